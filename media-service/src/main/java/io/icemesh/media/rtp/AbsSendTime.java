package io.icemesh.media.rtp;

/**
 * The abs-send-time header extension (http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time): the send time as
 * 24-bit 6.18 fixed-point seconds, wrapping every 64 s. Receivers use it for receive-side bandwidth estimation, which
 * is what makes a browser send REMB. The SFU writes its own send time into what it forwards.
 */
public final class AbsSendTime {

    /** The extension's URI in a=extmap (RFC 8285 section 5). */
    public static final String URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    /** One-byte header extension block with one 3-byte element: 0xBEDE, length 1 word, element header, data. */
    public static final int BLOCK_LENGTH = 8;
    /** The value wraps every 64 seconds. */
    private static final long WRAP_NANOS = 64_000_000_000L;

    private AbsSendTime() {
    }

    /** The 24-bit value for a {@link System#nanoTime()} instant (any fixed epoch serves: only differences count). */
    public static int of(long nanos) {
        long within = Math.floorMod(nanos, WRAP_NANOS);
        return (int) ((within << 18) / 1_000_000_000L) & 0xFFFFFF;
    }

    /**
     * Copies the plain RTP packet {@code src} (header length {@code header}, as {@link RtpPacket#headerLength} gave)
     * to {@code dst}, replacing its header extension: with a one-byte block holding only abs-send-time when
     * {@code extensionId} is 1 to 14, or with none when it is 0 (the publisher's extensions are not negotiated with
     * subscribers, so none may pass). Returns the length written, or -1 when {@code dst} is too small.
     */
    public static int copyWithOnly(byte[] src, int srcOffset, int srcLength, int header, byte[] dst, int dstOffset,
            int extensionId, int value) {
        int base = RtpPacket.FIXED_HEADER + 4 * RtpPacket.csrcCount(src, srcOffset);
        int ext = extensionId >= 1 && extensionId <= 14 ? BLOCK_LENGTH : 0;
        int rest = srcLength - header;
        int total = base + ext + rest;
        if (dstOffset < 0 || dstOffset > dst.length - total) {
            return -1;
        }
        System.arraycopy(src, srcOffset, dst, dstOffset, base);
        int p = dstOffset + base;
        if (ext == 0) {
            dst[dstOffset] = (byte) (dst[dstOffset] & ~0x10);
        } else {
            dst[dstOffset] = (byte) (dst[dstOffset] | 0x10);
            dst[p] = (byte) 0xBE;
            dst[p + 1] = (byte) 0xDE;
            dst[p + 2] = 0;
            dst[p + 3] = 1;
            dst[p + 4] = (byte) ((extensionId << 4) | 2);
            dst[p + 5] = (byte) (value >>> 16);
            dst[p + 6] = (byte) (value >>> 8);
            dst[p + 7] = (byte) value;
            p += BLOCK_LENGTH;
        }
        System.arraycopy(src, srcOffset + header, dst, p, rest);
        return total;
    }
}
