package io.icemesh.media.track;


/**
 * One simulcast encoding of a published video track (RFC 8853): its rid, the SSRCs the publisher sends it on (learnt
 * from the rid and repaired-rid header extensions of its first packets, since browsers signal no a=ssrc for rid
 * simulcast), and what the forwarding path measures of it: bit rate over the last second, when it last sent, and the
 * width of its last key frame. Written by the publisher's receive thread, read by the layer selection.
 */
public final class Layer {

    /** Window of the bit rate measurement. */
    private static final long WINDOW_NANOS = 1_000_000_000L;
    /** A layer that sent nothing for this long is not offered to subscribers (the publisher paused it). */
    public static final long ACTIVE_NANOS = 1_500_000_000L;

    private final int index;
    private final String rid;
    private volatile int ssrc;
    private volatile int rtxSsrc;
    private volatile int width = -1;
    private volatile long lastPacketNanos = Long.MIN_VALUE;
    private volatile long bitrateBps;
    private long windowStartNanos = Long.MIN_VALUE;
    private long windowBytes;

    Layer(int index, String rid) {
        this.index = index;
        this.rid = rid;
    }

    /** Position in the publisher's a=simulcast list: 0 is the first (the lowest quality, by browsers' convention). */
    public int index() {
        return index;
    }

    public String rid() {
        return rid;
    }

    /** The media SSRC, 0 until learnt. */
    public int ssrc() {
        return ssrc;
    }

    /** The RTX SSRC, 0 until learnt. */
    public int rtxSsrc() {
        return rtxSsrc;
    }

    void ssrc(int value) {
        ssrc = value;
    }

    void rtxSsrc(int value) {
        rtxSsrc = value;
    }

    /** Counts a media packet of {@code bytes} received at {@code nowNanos}; one thread (the publisher's). */
    public void packet(int bytes, long nowNanos) {
        lastPacketNanos = nowNanos;
        if (windowStartNanos == Long.MIN_VALUE) {
            windowStartNanos = nowNanos;
        }
        long elapsed = nowNanos - windowStartNanos;
        if (elapsed >= WINDOW_NANOS) {
            bitrateBps = windowBytes * 8L * 1_000_000_000L / elapsed;
            windowStartNanos = nowNanos;
            windowBytes = 0;
        }
        windowBytes += bytes;
    }

    /** Bit/s over the last full window, 0 before the first. */
    public long bitrateBps() {
        return bitrateBps;
    }

    /** Whether the publisher sent this layer recently. */
    public boolean active(long nowNanos) {
        long last = lastPacketNanos;
        return last != Long.MIN_VALUE && nowNanos - last <= ACTIVE_NANOS;
    }

    /** Width of the last key frame seen, -1 before one. */
    public int width() {
        return width;
    }

    public void width(int w) {
        if (w > 0) {
            width = w;
        }
    }

    @Override
    public String toString() {
        return rid + "(" + (ssrc & 0xFFFFFFFFL) + ")";
    }
}
