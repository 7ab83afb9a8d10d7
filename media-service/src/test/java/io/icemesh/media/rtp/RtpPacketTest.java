package io.icemesh.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    /** A VP8 packet as Chrome sends it: one-byte extensions (abs-send-time id 2, mid id 4 = "0"), marker set. */
    static final byte[] CHROME_VP8 = HexFormat.of().parseHex(
            "90e01234" + "0001e240" + "deadbeef" + "bede0002" + "22123456" + "40300000" + "90e0aabbcc");

    @Test
    void readsTheFixedHeader() {
        assertEquals(24, RtpPacket.headerLength(CHROME_VP8, 0, CHROME_VP8.length));
        assertTrue(RtpPacket.marker(CHROME_VP8, 0));
        assertEquals(96, RtpPacket.payloadType(CHROME_VP8, 0));
        assertEquals(0x1234, RtpPacket.sequenceNumber(CHROME_VP8, 0));
        assertEquals(123456, RtpPacket.timestamp(CHROME_VP8, 0));
        assertEquals(0xdeadbeef, RtpPacket.ssrc(CHROME_VP8, 0));
    }

    @Test
    void rewritesThePayloadTypeAndKeepsTheMarker() {
        byte[] p = CHROME_VP8.clone();
        RtpPacket.setPayloadType(p, 0, 100);
        assertEquals(100, RtpPacket.payloadType(p, 0));
        assertTrue(RtpPacket.marker(p, 0));
    }

    @Test
    void walksOneByteExtensions() {
        List<String> seen = new ArrayList<>();
        int n = RtpHeaderExtensions.forEach(CHROME_VP8, 0, CHROME_VP8.length,
                (id, off, len) -> seen.add(id + ":" + HexFormat.of().formatHex(CHROME_VP8, off, off + len)));
        assertEquals(2, n);
        assertEquals(List.of("2:123456", "4:30"), seen);
    }

    @Test
    void walksTwoByteExtensions() {
        byte[] p = HexFormat.of().parseHex("90600001" + "00000001" + "00000002" + "10000002" + "0703616263" + "000000"
                + "ff");
        List<String> seen = new ArrayList<>();
        assertEquals(1, RtpHeaderExtensions.forEach(p, 0, p.length, (id, off, len) -> seen.add(id + "/" + len)));
        assertEquals(List.of("7/3"), seen);
    }

    @Test
    void rejectsMalformedHeaders() {
        assertEquals(-1, RtpPacket.headerLength(new byte[11], 0, 11), "shorter than the fixed header");
        byte[] v1 = CHROME_VP8.clone();
        v1[0] = 0x50;
        assertEquals(-1, RtpPacket.headerLength(v1, 0, v1.length), "version 1");
        byte[] csrc = CHROME_VP8.clone();
        csrc[0] = (byte) 0x8F;
        assertEquals(-1, RtpPacket.headerLength(csrc, 0, 20), "15 CSRCs past the end");
        byte[] ext = CHROME_VP8.clone();
        ext[15] = 9;
        assertEquals(-1, RtpPacket.headerLength(ext, 0, ext.length), "extension longer than the packet");
        byte[] pad = CHROME_VP8.clone();
        pad[0] = (byte) (pad[0] | 0x20);
        pad[pad.length - 1] = (byte) 200;
        assertEquals(-1, RtpPacket.headerLength(pad, 0, pad.length), "padding longer than the payload");
        pad[pad.length - 1] = 0;
        assertEquals(-1, RtpPacket.headerLength(pad, 0, pad.length), "padding count of zero");
        assertFalse(RtpHeaderExtensions.forEach(ext, 0, ext.length, (a, b, c) -> { }) >= 0);
    }

    @Test
    void rejectsAnElementRunningPastTheBlock() {
        byte[] p = HexFormat.of().parseHex("90600001" + "00000001" + "00000002" + "bede0001" + "2f000000");
        assertEquals(-1, RtpHeaderExtensions.forEach(p, 0, p.length, (a, b, c) -> { }));
    }
}
