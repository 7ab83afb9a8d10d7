package io.icemesh.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PacketClassTest {

    private static byte[] packet(int first, int second, int length) {
        byte[] b = new byte[length];
        b[0] = (byte) first;
        if (length > 1) {
            b[1] = (byte) second;
        }
        return b;
    }

    @Test
    void classifiesByFirstByteAsRfc7983Says() {
        assertEquals(PacketClass.STUN, PacketClass.of(packet(0, 1, 20), 0, 20));
        assertEquals(PacketClass.STUN, PacketClass.of(packet(3, 0, 20), 0, 20));
        assertEquals(PacketClass.DTLS, PacketClass.of(packet(20, 0, 13), 0, 13));
        assertEquals(PacketClass.DTLS, PacketClass.of(packet(63, 0, 13), 0, 13));
        assertEquals(PacketClass.RTP, PacketClass.of(packet(128, 96, 12), 0, 12));
        assertEquals(PacketClass.RTP, PacketClass.of(packet(191, 0xE0, 12), 0, 12));
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(4, 0, 20), 0, 20), "4-19 is unassigned");
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(64, 0, 20), 0, 20), "64-79 is TURN channel data");
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(192, 0, 20), 0, 20));
    }

    @Test
    void tellsRtcpFromRtpByPacketType192To223AsRfc5761Says() {
        assertEquals(PacketClass.RTCP, PacketClass.of(packet(0x80, 200, 8), 0, 8), "SR");
        assertEquals(PacketClass.RTCP, PacketClass.of(packet(0x81, 206, 12), 0, 12), "PSFB");
        assertEquals(PacketClass.RTCP, PacketClass.of(packet(0x80, 192, 8), 0, 8));
        assertEquals(PacketClass.RTCP, PacketClass.of(packet(0x80, 223, 8), 0, 8));
        assertEquals(PacketClass.RTP, PacketClass.of(packet(0x80, 224, 12), 0, 12), "marker bit + PT 96");
        assertEquals(PacketClass.RTP, PacketClass.of(packet(0x80, 191, 12), 0, 12));
    }

    @Test
    void tooShortOrOutOfBoundsIsUnknown() {
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(0x80, 96, 11), 0, 11), "RTP needs 12 bytes");
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(0x80, 200, 7), 0, 7), "RTCP needs 8 bytes");
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(packet(0, 1, 19), 0, 19), "STUN needs 20 bytes");
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(new byte[0], 0, 0));
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(null, 0, 1));
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(new byte[10], 5, 10));
        assertEquals(PacketClass.UNKNOWN, PacketClass.of(new byte[10], -1, 2));
    }
}
