package io.icemesh.media.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Vp8DescriptorTest {

    /** X S, PID 0; I L T; 15-bit picture id 0x1234; TL0PICIDX 7; TID 0; then a key frame header of 1280x720. */
    static final byte[] KEYFRAME = HexFormat.of().parseHex("90e0923407" + "20" + "100000" + "9d012a" + "0005" + "d002");
    /** Same descriptor, the frame's second packet (S clear). */
    static final byte[] CONTINUATION = HexFormat.of().parseHex("80e0923407" + "20" + "aabbcc");
    /** Start of a delta frame (P bit set), 7-bit picture id 5, no TL0PICIDX. */
    static final byte[] DELTA = HexFormat.of().parseHex("9080" + "05" + "11" + "0000");

    @Test
    void findsKeyFramesAndTheirWidth() {
        assertEquals(6, Vp8Descriptor.length(KEYFRAME, 0, KEYFRAME.length));
        assertTrue(Vp8Descriptor.isKeyframeStart(KEYFRAME, 0, KEYFRAME.length));
        assertEquals(1280, Vp8Descriptor.keyframeWidth(KEYFRAME, 0, KEYFRAME.length));
        assertFalse(Vp8Descriptor.isKeyframeStart(CONTINUATION, 0, CONTINUATION.length));
        assertFalse(Vp8Descriptor.isKeyframeStart(DELTA, 0, DELTA.length));
        assertEquals(-1, Vp8Descriptor.keyframeWidth(DELTA, 0, DELTA.length));
    }

    @Test
    void rewritesPictureIdAndTl0PicIdxInTheirOwnForm() {
        byte[] p = KEYFRAME.clone();
        assertEquals(0x1234, Vp8Descriptor.pictureId(p, 0, p.length));
        assertTrue(Vp8Descriptor.longPictureId(p, 0, p.length));
        assertTrue(Vp8Descriptor.setPictureId(p, 0, p.length, 0x8001));
        assertEquals(0x0001, Vp8Descriptor.pictureId(p, 0, p.length), "15 bits wrap");
        assertEquals(7, Vp8Descriptor.tl0PicIdx(p, 0, p.length));
        assertTrue(Vp8Descriptor.setTl0PicIdx(p, 0, p.length, 300));
        assertEquals(300 & 0xFF, Vp8Descriptor.tl0PicIdx(p, 0, p.length));
        assertEquals(1280, Vp8Descriptor.keyframeWidth(p, 0, p.length), "the payload is untouched");

        byte[] d = DELTA.clone();
        assertEquals(5, Vp8Descriptor.pictureId(d, 0, d.length));
        assertFalse(Vp8Descriptor.longPictureId(d, 0, d.length));
        Vp8Descriptor.setPictureId(d, 0, d.length, 130);
        assertEquals(2, Vp8Descriptor.pictureId(d, 0, d.length), "7 bits wrap");
        assertFalse(Vp8Descriptor.setTl0PicIdx(d, 0, d.length, 1), "no TL0PICIDX to write");
    }

    @Test
    void truncatedDescriptorsAreRefusedNotRead() {
        for (int n = 0; n < 6; n++) {
            assertEquals(-1, Vp8Descriptor.length(KEYFRAME, 0, n), "length " + n);
            assertFalse(Vp8Descriptor.isKeyframeStart(KEYFRAME, 0, n));
            assertEquals(Vp8Descriptor.NONE, n < 4 ? Vp8Descriptor.pictureId(KEYFRAME, 0, n) : Vp8Descriptor.NONE);
        }
        assertFalse(Vp8Descriptor.setPictureId(KEYFRAME.clone(), 0, 3, 1));
        assertEquals(-1, Vp8Descriptor.keyframeWidth(KEYFRAME, 0, 12), "a key frame header cut short has no width");
    }
}
