package io.icemesh.media.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.media.rtcp.RtcpWriter;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SrtpSessionTest {

    private static byte[] material(SrtpProfile p) {
        byte[] m = new byte[p.keyingMaterialLength()];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (i * 7 + 3);
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void whatTheServerProtectsTheClientUnprotectsAndBack(SrtpProfile profile) {
        SrtpSession server = new SrtpSession(profile, material(profile), true, 4);
        SrtpSession client = new SrtpSession(profile, material(profile), false, 4);
        byte[] rtp = HexFormat.of().parseHex("80600001" + "00000064" + "deadbeef" + "0102030405060708090a");
        byte[] buf = Arrays.copyOf(rtp, 64);
        PacketBuffer pb = new PacketBuffer(buf, 0, rtp.length);
        int n = server.protectRtp(pb, 0xdeadbeef);
        assertEquals(rtp.length + profile.tagLength(), n);
        assertNotEquals(HexFormat.of().formatHex(rtp, 12, rtp.length), HexFormat.of().formatHex(buf, 12, rtp.length),
                "payload encrypted");
        assertEquals(rtp.length, client.unprotectRtp(pb, 0xdeadbeef));
        assertArrayEquals(rtp, Arrays.copyOf(pb.getBuffer(), rtp.length));

        byte[] tampered = Arrays.copyOf(rtp, 64);
        PacketBuffer t = new PacketBuffer(tampered, 0, rtp.length);
        int m = client.protectRtp(t, 0xdeadbeef);
        tampered[14] ^= 1;
        assertEquals(-1, server.unprotectRtp(new PacketBuffer(tampered, 0, m), 0xdeadbeef), "tampering detected");

        byte[] rtcp = new byte[64];
        int len = RtcpWriter.pliCompound(rtcp, 0, 0x1234, 0xdeadbeef);
        PacketBuffer rb = new PacketBuffer(rtcp, 0, len);
        int protectedLength = server.protectRtcp(rb, 0x1234);
        assertEquals(len + profile.tagLength() + 4, protectedLength);
        assertEquals(len, client.unprotectRtcp(rb, 0x1234));
    }

    @Test
    void boundsTheNumberOfSsrcContexts() {
        SrtpProfile p = SrtpProfile.AES_CM_128_HMAC_SHA1_80;
        SrtpSession client = new SrtpSession(p, material(p), false, 4);
        SrtpSession server = new SrtpSession(p, material(p), true, 2);
        int accepted = 0;
        for (int ssrc = 1; ssrc <= 4; ssrc++) {
            byte[] buf = new byte[64];
            byte[] rtp = HexFormat.of().parseHex("80600001" + "00000064" + String.format("%08x", ssrc) + "0102");
            System.arraycopy(rtp, 0, buf, 0, rtp.length);
            PacketBuffer pb = new PacketBuffer(buf, 0, rtp.length);
            int n = client.protectRtp(pb, ssrc);
            if (server.unprotectRtp(new PacketBuffer(buf, 0, n), ssrc) > 0) {
                accepted++;
            }
        }
        assertEquals(2, accepted, "only maxSsrcs contexts are made");
        assertTrue(SrtpProfile.byId(7) == SrtpProfile.AEAD_AES_128_GCM);
    }
}
