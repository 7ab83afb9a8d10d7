package io.icemesh.media.stream;

import io.icemesh.media.rtp.RtpPacket;
import io.icemesh.media.rtp.Vp8Descriptor;
import io.icemesh.media.track.Track;

/**
 * One subscriber's view of one simulcast track: which layer it is forwarded (current), which it should get (target,
 * set by {@link LayerSelection}), and the rewriting that makes the layers one clean stream on the track's own SSRC.
 * A switch happens only at the start of a key frame of the target layer; from there the layer's sequence numbers,
 * RTP timestamps, VP8 picture ids and TL0PICIDX continue where the previous layer's left off, so the subscriber sees
 * neither a gap nor a jump. Each switch opens a segment; a subscriber's NACK for a rewritten sequence number is mapped
 * back through the segments to the layer's SSRC and original sequence number ({@link #segmentFor}) before the packet
 * cache is asked. Methods are synchronized: the publisher's receive thread forwards, the subscriber's (possibly
 * another socket's thread) asks for retransmissions and the report timer reads; no lock is ever contended for long.
 */
public final class SimulcastStream {

    /** Switches remembered for NACK mapping; older rewritten packets are older than any packet cache keeps anyway. */
    private static final int HISTORY = 8;

    /**
     * One stretch of the subscriber's stream taken from one layer: rewritten value = original + delta (mod the
     * field's width).
     *
     * @param outStart the first rewritten sequence number of the stretch
     */
    public record Segment(int outStart, int layerIndex, int layerSsrc, int seqDelta, long tsDelta, int picDelta,
            int tl0Delta) {

        /** The layer's original sequence number of a rewritten one in this segment. */
        public int originalSequence(int outSeq) {
            return (outSeq - seqDelta) & 0xFFFF;
        }

        /**
         * Rewrites a plain RTP packet of this segment's layer in place: SSRC, sequence number, timestamp, and the
         * VP8 descriptor's picture id and TL0PICIDX (payload at {@code header}).
         */
        public void rewrite(byte[] buf, int offset, int length, int header, int outSsrc) {
            RtpPacket.writeUint32(buf, offset + 8, outSsrc & 0xFFFFFFFFL);
            int seq = (RtpPacket.sequenceNumber(buf, offset) + seqDelta) & 0xFFFF;
            buf[offset + 2] = (byte) (seq >>> 8);
            buf[offset + 3] = (byte) seq;
            RtpPacket.writeUint32(buf, offset + 4, (RtpPacket.timestamp(buf, offset) + tsDelta) & 0xFFFFFFFFL);
            int p = offset + header;
            int n = length - header;
            int pic = Vp8Descriptor.pictureId(buf, p, n);
            if (pic != Vp8Descriptor.NONE) {
                Vp8Descriptor.setPictureId(buf, p, n, pic + picDelta);
            }
            int tl0 = Vp8Descriptor.tl0PicIdx(buf, p, n);
            if (tl0 >= 0) {
                Vp8Descriptor.setTl0PicIdx(buf, p, n, tl0 + tl0Delta);
            }
        }
    }

    private final Track track;
    private volatile int target;
    private volatile int current = -1;
    private Segment segment;
    private final Segment[] history = new Segment[HISTORY];
    private int historyNext;
    private boolean sentAny;
    private int lastOutSeq;
    private long lastOutTs;
    private long lastOutNanos;
    private int lastOutPic = Vp8Descriptor.NONE;
    private int lastOutTl0 = -1;
    private long keyframeAskedNanos = Long.MIN_VALUE;
    private long switches;
    /** A key frame of the target layer being received while the current layer still flows: its layer, first
     *  sequence number and timestamp; -1 when none. */
    private int pendingLayer = -1;
    private int pendingStart;
    private long pendingTs;
    /** After {@link #admit} opened a segment at a completed key frame: its first sequence number, to send from the
     *  cache before the packet admitted; else -1. */
    private int flushFrom = -1;
    /** A key frame longer than this many packets is not held back further: its first packets must still be in the
     *  layer's packet cache when the switch sends them (so this stays below the cache's capacity). */
    private final int maxHeld;
    /** The highest sequence number of the current layer forwarded, in the layer's own numbers. */
    private int layerHighest;
    /** How far the newest segment has advanced: once it spans half the number space, it covers every number. */
    private long segmentAdvance;

    SimulcastStream(Track track, int target) {
        this(track, target, 511);
    }

    /** @param maxHeld the most packets of a key frame held back before a switch (below the packet cache's size) */
    SimulcastStream(Track track, int target, int maxHeld) {
        this.track = track;
        this.target = target;
        this.maxHeld = Math.max(1, maxHeld);
    }

    public Track track() {
        return track;
    }

    /** The layer index this subscriber should receive. */
    public int target() {
        return target;
    }

    /** The layer index it is forwarded now, -1 before its first key frame. */
    public int current() {
        return current;
    }

    /** Layer switches so far (the first layer counts). */
    public synchronized long switches() {
        return switches;
    }

    public void target(int layerIndex) {
        if (layerIndex >= 0) {
            target = layerIndex;
        }
    }

    /**
     * Whether the publisher should be asked for a key frame of the target layer now: the subscriber waits for one
     * (no layer yet, or a switch pending), and neither an ask went out nor a key frame of the target began within
     * {@code minIntervalNanos}.
     */
    public synchronized boolean wantsKeyframe(long nowNanos, long minIntervalNanos) {
        if (current == target) {
            return false;
        }
        if (keyframeAskedNanos != Long.MIN_VALUE && nowNanos - keyframeAskedNanos < minIntervalNanos) {
            return false;
        }
        keyframeAskedNanos = nowNanos;
        return true;
    }

    /**
     * Decides whether a packet of layer {@code layerIndex} goes to this subscriber and, if so, rewrites the copy in
     * {@code buf} (the plain packet as it will be sent, payload at {@code header}). Returns the segment applied, or
     * null to skip the packet.
     *
     * <p>The first layer starts at the first key frame of the target or of any lower layer (the target follows at its
     * next key frame), packet by packet: the subscriber shows nothing yet. A later switch holds the target's key frame
     * back while the current layer keeps flowing, and happens once the key frame is complete (its marker packet, or
     * the next frame's first packet when the marker was lost): then {@link #takeFlush} gives its first sequence
     * number, and the caller sends the key frame's earlier packets from the layer's cache before this one. So the
     * subscriber never waits on a large key frame the publisher paces out over a few hundred milliseconds; a packet
     * of it that was lost is NACKed by the subscriber like any other.
     */
    public synchronized Segment admit(byte[] buf, int offset, int length, int header, int layerIndex, int layerSsrc,
            boolean keyframeStart, long nowNanos) {
        int seq = RtpPacket.sequenceNumber(buf, offset);
        long ts = RtpPacket.timestamp(buf, offset);
        int t = target;
        Segment s = segment;
        flushFrom = -1;
        if (pendingLayer >= 0 && pendingLayer != t) {
            pendingLayer = -1;
        }
        if (current < 0 || layerIndex == current) {
            boolean start = keyframeStart && layerIndex != current && (layerIndex == t || (current < 0
                    && layerIndex < t));
            if (start) {
                pendingLayer = -1;
                s = open(buf, offset, length, header, layerIndex, layerSsrc, seq, seq, ts, nowNanos);
            } else if (layerIndex != current || s == null) {
                return null;
            } else if (((layerHighest - origin(s)) & 0xFFFF) < 0x4000 && (short) (seq - origin(s)) < 0) {
                return null; // a late packet from before this layer's switch point (checked near the switch only)
            }
        } else if (layerIndex != t) {
            return null;
        } else if (keyframeStart) {
            pendingLayer = layerIndex;
            pendingStart = seq;
            pendingTs = ts;
            // The key frame the switch waits for is arriving (a large one takes a few hundred ms): no new request
            // for one until a whole interval after its start.
            keyframeAskedNanos = nowNanos;
            return null;
        } else if (pendingLayer != layerIndex || (short) (seq - pendingStart) <= 0) {
            return null;
        } else {
            boolean complete = ts != pendingTs || RtpPacket.marker(buf, offset);
            int held = (seq - pendingStart) & 0xFFFF;
            if (!complete && held < maxHeld) {
                return null;
            }
            pendingLayer = -1;
            s = open(buf, offset, length, header, layerIndex, layerSsrc, pendingStart, seq, pendingTs, nowNanos);
            flushFrom = pendingStart;
        }
        if (s != segment || (short) (seq - layerHighest) > 0) {
            layerHighest = seq;
        }
        s.rewrite(buf, offset, length, header, track.ssrc());
        int outSeq = RtpPacket.sequenceNumber(buf, offset);
        if (!sentAny || (short) (outSeq - lastOutSeq) > 0) {
            segmentAdvance += sentAny ? (outSeq - lastOutSeq) & 0xFFFF : 1;
            lastOutSeq = outSeq;
            lastOutTs = RtpPacket.timestamp(buf, offset);
            lastOutNanos = nowNanos;
            lastOutPic = Vp8Descriptor.pictureId(buf, offset + header, length - header);
            lastOutTl0 = Vp8Descriptor.tl0PicIdx(buf, offset + header, length - header);
            sentAny = true;
        }
        return s;
    }

    /**
     * Opens a segment whose first packet is {@code seq} (timestamp {@code ts}) of the layer; {@code buf} holds a
     * packet of the same key frame ({@code atSeq}), whose descriptor gives the picture id and TL0PICIDX.
     */
    private Segment open(byte[] buf, int offset, int length, int header, int layerIndex, int layerSsrc, int seq,
            int atSeq, long ts, long nowNanos) {
        int p = offset + header;
        int n = length - header;
        int pic = Vp8Descriptor.pictureId(buf, p, n);
        int tl0 = Vp8Descriptor.tl0PicIdx(buf, p, n);
        if (atSeq != seq && ts != RtpPacket.timestamp(buf, offset) && pic != Vp8Descriptor.NONE) {
            // The key frame's marker was lost and this is the next frame: its picture id is one more.
            pic = (pic - 1) & (Vp8Descriptor.longPictureId(buf, p, n) ? 0x7FFF : 0x7F);
        }
        Segment s;
        if (!sentAny) {
            s = new Segment(seq, layerIndex, layerSsrc, 0, 0, 0, 0);
        } else {
            int outSeq = (lastOutSeq + 1) & 0xFFFF;
            long ticks = Math.max(1, (nowNanos - lastOutNanos) * 90_000L / 1_000_000_000L);
            long tsDelta = (lastOutTs + ticks - ts) & 0xFFFFFFFFL;
            int picDelta = pic != Vp8Descriptor.NONE && lastOutPic != Vp8Descriptor.NONE ? lastOutPic + 1 - pic : 0;
            int tl0Delta = tl0 >= 0 && lastOutTl0 >= 0 ? lastOutTl0 + 1 - tl0 : 0;
            s = new Segment(outSeq, layerIndex, layerSsrc, (outSeq - seq) & 0xFFFF, tsDelta, picDelta, tl0Delta);
        }
        segment = s;
        segmentAdvance = 0;
        layerHighest = seq;
        current = layerIndex;
        history[historyNext] = s;
        historyNext = (historyNext + 1) % HISTORY;
        switches++;
        return s;
    }

    /**
     * The first sequence number of a key frame to send from the cache before the packet {@link #admit} just took,
     * or -1; for the publisher's receive thread right after {@code admit}.
     */
    public synchronized int takeFlush() {
        int f = flushFrom;
        flushFrom = -1;
        return f;
    }

    /**
     * The segment a rewritten sequence number was sent in, or null when it is older than the history or was not sent
     * yet. Segments are walked newest first; each covers its first number up to the one before the next segment's
     * (the newest, up to the last number sent), so 16-bit wrap-around and a long stretch on one layer are no issue.
     */
    public synchronized Segment segmentFor(int outSeq) {
        if (!sentAny) {
            return null;
        }
        int end = lastOutSeq;
        int idx = (historyNext - 1 + HISTORY) % HISTORY;
        if (segmentAdvance >= 0x8000 && history[idx] != null) {
            // Older segments are more than 32768 packets back, past any packet cache: the newest covers every
            // number not ahead of the last one sent.
            return (short) (outSeq - lastOutSeq) <= 0 ? history[idx] : null;
        }
        for (int k = 0; k < HISTORY; k++) {
            Segment s = history[idx];
            if (s == null) {
                return null;
            }
            int length = (end - s.outStart()) & 0xFFFF;
            if (((outSeq - s.outStart()) & 0xFFFF) <= length) {
                return s;
            }
            end = (s.outStart() - 1) & 0xFFFF;
            idx = (idx - 1 + HISTORY) % HISTORY;
        }
        return null;
    }

    private static int origin(Segment s) {
        return (s.outStart() - s.seqDelta()) & 0xFFFF;
    }

    /** The segment being forwarded now, or null (sender reports take its layer's clock and timestamp delta). */
    public synchronized Segment currentSegment() {
        return segment;
    }
}
