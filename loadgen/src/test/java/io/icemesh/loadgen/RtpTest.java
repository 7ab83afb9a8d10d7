package io.icemesh.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RtpTest {

    @Test
    void aNackCoversARunOfLostPacketsAcrossTheSequenceWrap() {
        byte[] b = new byte[64];
        int n = Rtp.nack(b, 0, 1, 2, 65530, 20);
        assertEquals(12 + 2 * 4, n);
        assertEquals(Rtp.PT_RTPFB, b[1] & 0xFF);
        assertEquals(Rtp.FMT_NACK, b[0] & 0x1F);
        assertEquals(4, ((b[2] & 0xFF) << 8) | (b[3] & 0xFF)); // length in words minus one
        assertEquals(65530, ((b[12] & 0xFF) << 8) | (b[13] & 0xFF));
        assertEquals(0xFFFF, ((b[14] & 0xFF) << 8) | (b[15] & 0xFF)); // the 16 that follow
        assertEquals(11, ((b[16] & 0xFF) << 8) | (b[17] & 0xFF)); // 65530 + 17, wrapped
        assertEquals(0x0003, ((b[18] & 0xFF) << 8) | (b[19] & 0xFF)); // and 2 more: 20 in all
    }

    @Test
    void aReceiverReportAndSdesFormOneCompoundOfWholeWords() {
        byte[] b = new byte[128];
        int n = Rtp.receiverReport(b, 0, 7, new int[] {42}, new int[] {70000}, new int[] {3});
        assertEquals(8 + 24, n);
        assertEquals(0x81, b[0] & 0xFF);
        assertEquals(42, Rtp.readInt(b, 8));
        assertEquals(3, Rtp.readInt(b, 12));
        assertEquals(70000, Rtp.readInt(b, 16));
        int s = Rtp.sdes(b, n, 7, "lg-sub");
        assertEquals(0, s % 4);
        assertEquals(s / 4 - 1, ((b[n + 2] & 0xFF) << 8) | (b[n + 3] & 0xFF));
        assertEquals(0, b[n + 10 + 6]); // the CNAME item list ends with a null octet
        assertTrue(Rtp.isRtcp(b, 0));
        assertTrue(Rtp.isRtcp(b, n));
    }

    @Test
    void rtpHeaderFieldsAndPayloadOffsetWithCsrcsAndAnExtension() {
        byte[] b = new byte[64];
        Rtp.writeHeader(b, 0, true, 96, 65535, 0xFFFFFFFFL, 0x01020304);
        assertTrue(Rtp.marker(b, 0));
        assertEquals(96, Rtp.payloadType(b, 0));
        assertEquals(65535, Rtp.sequence(b, 0));
        assertEquals(0x01020304, Rtp.ssrc(b, 0));
        assertFalse(Rtp.isRtcp(b, 0));
        assertEquals(12, Rtp.payloadOffset(b, 0, 40));
        b[0] = (byte) 0x91; // one CSRC and an extension of 2 words
        b[16 + 3] = 2;
        assertEquals(12 + 4 + 4 + 8, Rtp.payloadOffset(b, 0, 40));
        assertEquals(-1, Rtp.payloadOffset(b, 0, 20));
    }

    @Test
    void vp8DescriptorCarriesPictureIdAndTheKeyframeBitIsRead() {
        byte[] b = new byte[16];
        Vp8.writeDescriptor(b, 0, true, 0x1234);
        assertEquals(0x1234, Vp8.pictureId(b, 0, 16));
        int payload = Vp8.headerOffset(b, 0, 16);
        assertEquals(4, payload);
        b[payload] = 0x10; // P bit clear: a keyframe
        assertTrue(Vp8.isKeyframeStart(b, 0, payload, 16));
        b[payload] = 0x11; // P bit set: an interframe
        assertFalse(Vp8.isKeyframeStart(b, 0, payload, 16));
        Vp8.writeDescriptor(b, 0, false, 1);
        b[payload] = 0x10;
        assertFalse(Vp8.isKeyframeStart(b, 0, payload, 16)); // not the start of the frame
    }
}
