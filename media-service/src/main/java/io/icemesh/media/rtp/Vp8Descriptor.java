package io.icemesh.media.rtp;

/**
 * The VP8 payload descriptor of RFC 7741 section 4.2, read and rewritten in place: whether a packet starts a key
 * frame (and the frame's width), and the picture id and TL0PICIDX a simulcast layer switch renumbers. Every method is
 * total: a descriptor that runs past the payload answers "no" (or -1) and is never written.
 *
 * <pre>
 *  X R N S R PID      (PID: partition index, S: start of partition)
 *  I L T K RSV        (when X)
 *  M PictureID        (when I; 15 bits when M)
 *  TL0PICIDX          (when L)
 *  TID Y KEYIDX       (when T or K)
 * </pre>
 */
public final class Vp8Descriptor {

    /** No picture id in the descriptor. */
    public static final int NONE = -1;

    private Vp8Descriptor() {
    }

    /**
     * The length of the descriptor at {@code offset} (the start of the RTP payload), or -1 when the payload is too
     * short for what its flags announce.
     */
    public static int length(byte[] buf, int offset, int length) {
        if (length < 1) {
            return -1;
        }
        int n = 1;
        if ((buf[offset] & 0x80) != 0) {
            if (length < 2) {
                return -1;
            }
            int x = buf[offset + 1] & 0xFF;
            n = 2;
            if ((x & 0x80) != 0) {
                if (length < n + 1) {
                    return -1;
                }
                n += (buf[offset + n] & 0x80) != 0 ? 2 : 1;
            }
            if ((x & 0x40) != 0) {
                n++;
            }
            if ((x & 0x30) != 0) {
                n++;
            }
        }
        return n <= length ? n : -1;
    }

    /**
     * Whether the payload starts a key frame: start of partition 0 and the VP8 payload header's P bit clear
     * (RFC 7741 section 4.3). A key frame's first packet also carries the frame size ({@link #keyframeWidth}).
     */
    public static boolean isKeyframeStart(byte[] buf, int offset, int length) {
        int d = length(buf, offset, length);
        if (d < 0 || d >= length) {
            return false;
        }
        int first = buf[offset] & 0xFF;
        boolean start = (first & 0x10) != 0 && (first & 0x07) == 0;
        return start && (buf[offset + d] & 0x01) == 0;
    }

    /** The width of the key frame this payload starts (14 bits of the key frame header), or -1. */
    public static int keyframeWidth(byte[] buf, int offset, int length) {
        if (!isKeyframeStart(buf, offset, length)) {
            return -1;
        }
        int p = offset + length(buf, offset, length);
        // 3-byte frame tag, start code 9d 01 2a, then width and height, 16 bits little-endian each (2 scale bits).
        if (p + 10 > offset + length || (buf[p + 3] & 0xFF) != 0x9d || (buf[p + 4] & 0xFF) != 0x01
                || (buf[p + 5] & 0xFF) != 0x2a) {
            return -1;
        }
        return ((buf[p + 6] & 0xFF) | ((buf[p + 7] & 0xFF) << 8)) & 0x3FFF;
    }

    /** The picture id (7 or 15 bits), or {@link #NONE}. */
    public static int pictureId(byte[] buf, int offset, int length) {
        int at = pictureIdAt(buf, offset, length);
        if (at < 0) {
            return NONE;
        }
        int b = buf[at] & 0xFF;
        return (b & 0x80) != 0 ? ((b & 0x7F) << 8) | (buf[at + 1] & 0xFF) : b & 0x7F;
    }

    /** Whether the picture id is the 15-bit form. */
    public static boolean longPictureId(byte[] buf, int offset, int length) {
        int at = pictureIdAt(buf, offset, length);
        return at >= 0 && (buf[at] & 0x80) != 0;
    }

    /** Writes a picture id in the form already there (7 or 15 bits, {@code id} masked to fit); false when none. */
    public static boolean setPictureId(byte[] buf, int offset, int length, int id) {
        int at = pictureIdAt(buf, offset, length);
        if (at < 0) {
            return false;
        }
        if ((buf[at] & 0x80) != 0) {
            buf[at] = (byte) (0x80 | ((id >>> 8) & 0x7F));
            buf[at + 1] = (byte) id;
        } else {
            buf[at] = (byte) (id & 0x7F);
        }
        return true;
    }

    /** TL0PICIDX, or -1 when the descriptor has none. */
    public static int tl0PicIdx(byte[] buf, int offset, int length) {
        int at = tl0PicIdxAt(buf, offset, length);
        return at < 0 ? -1 : buf[at] & 0xFF;
    }

    /** Writes TL0PICIDX; false when the descriptor has none. */
    public static boolean setTl0PicIdx(byte[] buf, int offset, int length, int value) {
        int at = tl0PicIdxAt(buf, offset, length);
        if (at < 0) {
            return false;
        }
        buf[at] = (byte) value;
        return true;
    }

    private static int pictureIdAt(byte[] buf, int offset, int length) {
        if (length(buf, offset, length) < 0 || (buf[offset] & 0x80) == 0 || (buf[offset + 1] & 0x80) == 0) {
            return -1;
        }
        return offset + 2;
    }

    private static int tl0PicIdxAt(byte[] buf, int offset, int length) {
        if (length(buf, offset, length) < 0 || (buf[offset] & 0x80) == 0 || (buf[offset + 1] & 0x40) == 0) {
            return -1;
        }
        int at = offset + 2;
        if ((buf[offset + 1] & 0x80) != 0) {
            at += (buf[at] & 0x80) != 0 ? 2 : 1;
        }
        return at;
    }
}
