package io.icemesh.loadgen;

/** The VP8 RTP payload descriptor (RFC 7741 section 4.2) and the keyframe bit of the VP8 payload header (4.3). */
final class Vp8 {

    /** The descriptor the tool writes: X, I and a 15-bit PictureID, as Chromium sends. */
    static final int DESCRIPTOR = 4;

    private Vp8() {
    }

    static void writeDescriptor(byte[] b, int at, boolean startOfFrame, int pictureId) {
        b[at] = (byte) (0x80 | (startOfFrame ? 0x10 : 0)); // X, S; partition 0
        b[at + 1] = (byte) 0x80; // I
        b[at + 2] = (byte) (0x80 | (pictureId >> 8)); // M: 15-bit PictureID
        b[at + 3] = (byte) pictureId;
    }

    /** The offset of the VP8 payload after the descriptor at {@code at}, or -1 when it does not fit. */
    static int headerOffset(byte[] b, int at, int len) {
        int end = at + len;
        int p = at;
        int first = b[p++] & 0xFF;
        if ((first & 0x80) != 0) {
            if (p >= end) {
                return -1;
            }
            int ext = b[p++] & 0xFF;
            if ((ext & 0x80) != 0) {
                if (p >= end) {
                    return -1;
                }
                p += (b[p] & 0x80) != 0 ? 2 : 1;
            }
            if ((ext & 0x40) != 0) {
                p++;
            }
            if ((ext & 0x30) != 0) {
                p++;
            }
        }
        return p < end ? p : -1;
    }

    /** The 15- or 7-bit PictureID of a descriptor at {@code at}, or -1 without one. */
    static int pictureId(byte[] b, int at, int len) {
        if (len < 3 || (b[at] & 0x80) == 0 || (b[at + 1] & 0x80) == 0) {
            return -1;
        }
        int m = b[at + 2] & 0xFF;
        if ((m & 0x80) == 0) {
            return m;
        }
        return len < 4 ? -1 : ((m & 0x7F) << 8) | (b[at + 3] & 0xFF);
    }

    /** True for the first packet of a keyframe: S set, partition 0, and the payload header's P bit clear. */
    static boolean isKeyframeStart(byte[] b, int descriptor, int payload, int end) {
        return (b[descriptor] & 0x10) != 0 && (b[descriptor] & 0x07) == 0 && payload < end
                && (b[payload] & 0x01) == 0;
    }
}
