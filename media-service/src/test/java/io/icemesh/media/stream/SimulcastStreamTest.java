package io.icemesh.media.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.Vp8Descriptor;
import io.icemesh.media.sdp.Codec;
import io.icemesh.media.sdp.MediaLine;
import io.icemesh.media.track.Track;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulcastStreamTest {

    static final int OUT_SSRC = 0x0A0B0C0D;
    static final int LOW = 0x1111;
    static final int HIGH = 0x2222;

    final Track track = new Track(null, "video", new MediaLine.Source(OUT_SSRC, OUT_SSRC + 1, "c", "s", "t"),
            new Codec("video", 96, 97), "0", List.of("q", "f"));

    /** A plain VP8 packet: 12-byte header, descriptor with a 15-bit picture id and TL0PICIDX, 3 payload bytes. */
    static byte[] packet(int ssrc, int seq, long ts, int pictureId, int tl0, boolean keyframe) {
        return packet(ssrc, seq, ts, pictureId, tl0, keyframe, false);
    }

    static byte[] packet(int ssrc, int seq, long ts, int pictureId, int tl0, boolean keyframe, boolean marker) {
        byte[] p = new byte[12 + 6 + 3];
        p[0] = (byte) 0x80;
        p[1] = (byte) (marker ? 0x80 | 96 : 96);
        p[2] = (byte) (seq >>> 8);
        p[3] = (byte) seq;
        RtpPacket.writeUint32(p, 4, ts);
        RtpPacket.writeUint32(p, 8, ssrc & 0xFFFFFFFFL);
        p[12] = (byte) (keyframe ? 0x90 : 0x80);
        p[13] = (byte) 0xE0;
        p[14] = (byte) (0x80 | (pictureId >>> 8));
        p[15] = (byte) pictureId;
        p[16] = (byte) tl0;
        p[17] = 0;
        p[18] = (byte) (keyframe ? 0x10 : 0x11);
        return p;
    }

    SimulcastStream.Segment admit(SimulcastStream s, byte[] p, int layer, int layerSsrc, boolean keyframe, long now) {
        return s.admit(p, 0, p.length, 12, layer, layerSsrc, keyframe, now);
    }

    @Test
    void startsAtOnceButSwitchesOnlyWhenTheTargetsKeyFrameIsCompleteIntoOneContinuousStream() {
        SimulcastStream s = new SimulcastStream(track, 0);
        assertNull(admit(s, packet(LOW, 100, 9000, 500, 10, false), 0, LOW, false, 0), "no key frame yet");
        byte[] first = packet(LOW, 101, 9000, 501, 10, true);
        assertNotNull(admit(s, first, 0, LOW, true, 0), "the first layer starts with its key frame's first packet");
        assertEquals(-1, s.takeFlush());
        assertEquals(0, s.current());
        assertEquals(OUT_SSRC, RtpPacket.ssrc(first, 0), "the subscriber's SSRC is the SFU's");
        assertEquals(101, RtpPacket.sequenceNumber(first, 0));
        assertNotNull(admit(s, packet(LOW, 102, 12000, 502, 11, false), 0, LOW, false, 33_000_000));
        assertNull(admit(s, packet(HIGH, 7000, 555000, 9000, 200, true), 1, HIGH, true, 34_000_000),
                "a key frame of a layer that is not the target is not taken");

        s.target(1);
        assertNull(admit(s, packet(HIGH, 7001, 558000, 9001, 200, false), 1, HIGH, false, 40_000_000),
                "the target's delta frames wait for its key frame");
        assertNull(admit(s, packet(HIGH, 7002, 561000, 9002, 201, true), 1, HIGH, true, 50_000_000),
                "the target's key frame is held back until it is complete");
        assertNotNull(admit(s, packet(LOW, 103, 15000, 503, 12, false), 0, LOW, false, 60_000_000),
                "the current layer keeps flowing meanwhile");
        assertNull(admit(s, packet(HIGH, 7003, 561000, 9002, 201, false), 1, HIGH, false, 62_000_000));
        byte[] last = packet(HIGH, 7004, 561000, 9002, 201, false, true);
        SimulcastStream.Segment seg = admit(s, last, 1, HIGH, false, 66_000_000);
        assertNotNull(seg, "the key frame's marker packet completes it: switch");
        assertEquals(7002, s.takeFlush(), "the caller sends 7002 and 7003 from the cache first");
        assertEquals(-1, s.takeFlush());
        assertEquals(1, s.current());
        assertEquals(104, seg.outStart(), "sequence numbers continue with the key frame's first packet");
        assertEquals(7002, seg.originalSequence(104));
        assertEquals(106, RtpPacket.sequenceNumber(last, 0));
        assertEquals(15000 + 540, RtpPacket.timestamp(last, 0), "the timestamp moves on by the time elapsed (6 ms)");
        assertEquals(504, Vp8Descriptor.pictureId(last, 12, last.length - 12), "picture ids continue");
        assertEquals(13, Vp8Descriptor.tl0PicIdx(last, 12, last.length - 12));
        byte[] held = packet(HIGH, 7003, 561000, 9002, 201, false);
        seg.rewrite(held, 0, held.length, 12, OUT_SSRC);
        assertEquals(105, RtpPacket.sequenceNumber(held, 0), "a held packet sent from the cache fills the gap");
        assertEquals(15540, RtpPacket.timestamp(held, 0));
        assertNull(admit(s, packet(LOW, 104, 18000, 504, 13, false), 0, LOW, false, 67_000_000),
                "the old layer is no longer forwarded");
        assertNull(admit(s, packet(HIGH, 7001, 558000, 9001, 200, false), 1, HIGH, false, 68_000_000),
                "a late packet from before the switch point is dropped");
        byte[] after = packet(HIGH, 7005, 564000, 9003, 201, false);
        admit(s, after, 1, HIGH, false, 69_000_000);
        assertEquals(107, RtpPacket.sequenceNumber(after, 0));
        assertEquals(15540 + 3000, RtpPacket.timestamp(after, 0));
        assertEquals(2, s.switches());
    }

    @Test
    void aKeyFrameWhoseMarkerWasLostCompletesWithTheNextFrame() {
        SimulcastStream s = new SimulcastStream(track, 0);
        admit(s, packet(LOW, 1, 1000, 1, 1, true), 0, LOW, true, 0);
        s.target(1);
        assertNull(admit(s, packet(HIGH, 500, 90000, 70, 5, true), 1, HIGH, true, 1_000_000));
        assertNull(admit(s, packet(HIGH, 501, 90000, 70, 5, false), 1, HIGH, false, 2_000_000));
        // 502, the marker, is lost; 503 starts the next frame.
        byte[] next = packet(HIGH, 503, 93000, 71, 5, false);
        SimulcastStream.Segment seg = admit(s, next, 1, HIGH, false, 3_000_000);
        assertNotNull(seg);
        assertEquals(500, s.takeFlush());
        assertEquals(2, seg.outStart());
        assertEquals(5, RtpPacket.sequenceNumber(next, 0), "502's number stays free for its retransmission");
        assertEquals(3, Vp8Descriptor.pictureId(next, 12, next.length - 12), "the key frame took picture id 2");
    }

    @Test
    void nackedSequenceNumbersMapBackToTheLayerAndItsOwnNumbers() {
        SimulcastStream s = new SimulcastStream(track, 0);
        admit(s, packet(LOW, 65530, 1000, 1, 1, true), 0, LOW, true, 0);
        for (int seq = 65531; seq <= 65535 + 3; seq++) {
            admit(s, packet(LOW, seq & 0xFFFF, 1000, 1, 1, false), 0, LOW, false, 0);
        }
        s.target(1);
        admit(s, packet(HIGH, 40000, 77, 9, 9, true), 1, HIGH, true, 1_000_000);
        admit(s, packet(HIGH, 40001, 77, 9, 9, false, true), 1, HIGH, false, 1_000_000);
        admit(s, packet(HIGH, 40002, 3077, 10, 9, false), 1, HIGH, false, 2_000_000);
        admit(s, packet(HIGH, 40003, 3077, 10, 9, false), 1, HIGH, false, 2_000_000);
        // Out: 65530..65535 and 0..2 from LOW, then 3 onwards from HIGH's 40000.
        SimulcastStream.Segment low = s.segmentFor(65533);
        assertEquals(LOW, low.layerSsrc());
        assertEquals(65533, low.originalSequence(65533));
        assertEquals(LOW, s.segmentFor(2).layerSsrc(), "across the 16-bit wrap");
        SimulcastStream.Segment high = s.segmentFor(6);
        assertEquals(HIGH, high.layerSsrc());
        assertEquals(40003, high.originalSequence(6));
        assertNull(s.segmentFor(65000), "before the stream began");
        assertNull(s.segmentFor(7), "not sent yet");

        // A cached packet of the layer, rewritten for an RTX answer, comes out as the subscriber saw it.
        byte[] cached = packet(HIGH, 40003, 77, 9, 9, false);
        high.rewrite(cached, 0, cached.length, 12, OUT_SSRC);
        assertEquals(6, RtpPacket.sequenceNumber(cached, 0));
        assertEquals(OUT_SSRC, RtpPacket.ssrc(cached, 0));
    }

    @Test
    void aLongStretchOnOneLayerKeepsFlowingAndItsNacksMapAcrossTheWrap() {
        SimulcastStream s = new SimulcastStream(track, 0);
        admit(s, packet(LOW, 1000, 0, 1, 1, true), 0, LOW, true, 0);
        for (int i = 1; i <= 70_000; i++) {
            int seq = (1000 + i) & 0xFFFF;
            assertNotNull(admit(s, packet(LOW, seq, 3000L * i, 1 + i, 1, false), 0, LOW, false, i),
                    "packet " + i + " after the switch point is forwarded");
        }
        // Out numbers equal the layer's (the first segment has no offset); the last sent is (1000 + 70000) & 0xFFFF.
        int last = (1000 + 70_000) & 0xFFFF;
        assertEquals(LOW, s.segmentFor(last).layerSsrc());
        int recent = (last - 300) & 0xFFFF;
        assertEquals(recent, s.segmentFor(recent).originalSequence(recent),
                "a recent number maps although the segment began more than 32768 packets ago");
        assertNull(s.segmentFor((last + 1) & 0xFFFF), "the next one was not sent yet");
        assertNotNull(admit(s, packet(LOW, (last - 100) & 0xFFFF, 5, 1, 1, false), 0, LOW, false, 70_001),
                "a reordered packet far from the switch point is forwarded like any other");
    }

    @Test
    void wantsAKeyFrameOnlyWhileASwitchWaitsAndNotMoreOftenThanAllowed() {
        SimulcastStream s = new SimulcastStream(track, 1);
        assertTrue(s.wantsKeyframe(0, 500));
        assertFalse(s.wantsKeyframe(100, 500));
        assertTrue(s.wantsKeyframe(600, 500));
        admit(s, packet(HIGH, 1, 1, 1, 1, true), 1, HIGH, true, 700);
        assertFalse(s.wantsKeyframe(2_000, 500), "on the target: nothing to wait for");
    }

    @Test
    void asksForNoKeyFrameWhileTheTargetsKeyFrameIsArriving() {
        SimulcastStream s = new SimulcastStream(track, 0);
        admit(s, packet(LOW, 1, 3000, 1, 1, true, true), 0, LOW, true, 0);
        s.target(1);
        assertTrue(s.wantsKeyframe(1_000, 500));
        assertNull(admit(s, packet(HIGH, 50, 90000, 7, 3, true), 1, HIGH, true, 1_600));
        assertFalse(s.wantsKeyframe(1_700, 500), "the key frame the switch waits for has begun");
        assertFalse(s.wantsKeyframe(2_000, 500));
        assertTrue(s.wantsKeyframe(2_100, 500), "an interval after it began, it may have been lost: ask again");
    }
}
