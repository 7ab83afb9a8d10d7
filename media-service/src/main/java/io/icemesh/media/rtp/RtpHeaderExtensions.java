package io.icemesh.media.rtp;

/**
 * Walks the elements of an RTP header extension block in the one-byte (profile 0xBEDE) and two-byte (0x100X) forms
 * of RFC 8285 sections 4.2 and 4.3, in place. Other profiles (RFC 3550 section 5.3.1) are opaque: no elements.
 */
public final class RtpHeaderExtensions {

    /** Profile of the one-byte form (RFC 8285 section 4.2). */
    public static final int ONE_BYTE_PROFILE = 0xBEDE;
    /** Profile of the two-byte form, low 4 bits are app bits (RFC 8285 section 4.3). */
    public static final int TWO_BYTE_PROFILE_MASK = 0xFFF0;
    /** Profile of the two-byte form after masking. */
    public static final int TWO_BYTE_PROFILE = 0x1000;

    /** Receives each element: id, and the offset and length of its data within the buffer. */
    @FunctionalInterface
    public interface ElementVisitor {
        void element(int id, int dataOffset, int dataLength);
    }

    private RtpHeaderExtensions() {
    }

    /**
     * Calls {@code visitor} for each element of the packet's header extension. Returns the number of elements, or -1
     * when the packet is not well-formed RTP or an element runs past the extension block.
     */
    public static int forEach(byte[] buf, int offset, int length, ElementVisitor visitor) {
        int header = RtpPacket.headerLength(buf, offset, length);
        if (header < 0) {
            return -1;
        }
        if (!RtpPacket.hasExtension(buf, offset)) {
            return 0;
        }
        int ext = offset + RtpPacket.FIXED_HEADER + 4 * RtpPacket.csrcCount(buf, offset);
        int profile = ((buf[ext] & 0xFF) << 8) | (buf[ext + 1] & 0xFF);
        int words = ((buf[ext + 2] & 0xFF) << 8) | (buf[ext + 3] & 0xFF);
        int pos = ext + 4;
        int end = pos + 4 * words;
        int count = 0;
        if (profile == ONE_BYTE_PROFILE) {
            while (pos < end) {
                int b = buf[pos] & 0xFF;
                if (b == 0) {
                    pos++;
                    continue;
                }
                int id = b >>> 4;
                if (id == 15) {
                    break;
                }
                int len = (b & 0x0F) + 1;
                if (pos + 1 + len > end) {
                    return -1;
                }
                visitor.element(id, pos + 1, len);
                count++;
                pos += 1 + len;
            }
        } else if ((profile & TWO_BYTE_PROFILE_MASK) == TWO_BYTE_PROFILE) {
            while (pos < end) {
                int id = buf[pos] & 0xFF;
                if (id == 0) {
                    pos++;
                    continue;
                }
                if (pos + 2 > end) {
                    return -1;
                }
                int len = buf[pos + 1] & 0xFF;
                if (pos + 2 + len > end) {
                    return -1;
                }
                visitor.element(id, pos + 2, len);
                count++;
                pos += 2 + len;
            }
        }
        return count;
    }
}
