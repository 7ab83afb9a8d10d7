package io.icemesh.media.rtp;

/**
 * Reads and rewrites RTP fixed-header fields in place (RFC 3550 section 5.1), without copying or allocating: the
 * forwarding path works on the received buffer. {@link #headerLength} is the total check; the accessors assume a
 * buffer it accepted.
 */
public final class RtpPacket {

    /** RTP version 2 (RFC 3550 section 5.1). */
    public static final int VERSION = 2;
    /** The fixed header (RFC 3550 section 5.1). */
    public static final int FIXED_HEADER = 12;

    private RtpPacket() {
    }

    /**
     * The length of the RTP header (fixed header, CSRCs and header extension), or -1 when the bytes are not a
     * well-formed RTP packet: wrong version, header or extension running past the end, or padding longer than the
     * payload (RFC 3550 section 5.1: the last octet counts the padding, itself included).
     */
    public static int headerLength(byte[] buf, int offset, int length) {
        if (buf == null || offset < 0 || length < FIXED_HEADER || offset > buf.length - length) {
            return -1;
        }
        int b0 = buf[offset] & 0xFF;
        if ((b0 >>> 6) != VERSION) {
            return -1;
        }
        int csrcCount = b0 & 0x0F;
        int header = FIXED_HEADER + 4 * csrcCount;
        if (header > length) {
            return -1;
        }
        if ((b0 & 0x10) != 0) {
            if (header + 4 > length) {
                return -1;
            }
            int words = ((buf[offset + header + 2] & 0xFF) << 8) | (buf[offset + header + 3] & 0xFF);
            header += 4 + 4 * words;
            if (header > length) {
                return -1;
            }
        }
        if ((b0 & 0x20) != 0) {
            int padding = buf[offset + length - 1] & 0xFF;
            if (padding == 0 || header + padding > length) {
                return -1;
            }
        }
        return header;
    }

    /** Whether the header-extension bit is set. */
    public static boolean hasExtension(byte[] buf, int offset) {
        return (buf[offset] & 0x10) != 0;
    }

    /** Number of CSRC identifiers. */
    public static int csrcCount(byte[] buf, int offset) {
        return buf[offset] & 0x0F;
    }

    /** The marker bit. */
    public static boolean marker(byte[] buf, int offset) {
        return (buf[offset + 1] & 0x80) != 0;
    }

    /** The 7-bit payload type. */
    public static int payloadType(byte[] buf, int offset) {
        return buf[offset + 1] & 0x7F;
    }

    /** Rewrites the payload type, keeping the marker bit. */
    public static void setPayloadType(byte[] buf, int offset, int payloadType) {
        buf[offset + 1] = (byte) ((buf[offset + 1] & 0x80) | (payloadType & 0x7F));
    }

    /** The 16-bit sequence number. */
    public static int sequenceNumber(byte[] buf, int offset) {
        return ((buf[offset + 2] & 0xFF) << 8) | (buf[offset + 3] & 0xFF);
    }

    /** The 32-bit timestamp, unsigned in a long. */
    public static long timestamp(byte[] buf, int offset) {
        return readUint32(buf, offset + 4);
    }

    /** The synchronization source as a signed int (SSRCs are compared as 32-bit patterns). */
    public static int ssrc(byte[] buf, int offset) {
        return (int) readUint32(buf, offset + 8);
    }

    /** A 32-bit big-endian SSRC at {@code at}, as a signed int. */
    public static int ssrc32(byte[] buf, int at) {
        return (int) readUint32(buf, at);
    }

    /** Reads an unsigned 32-bit big-endian value. */
    public static long readUint32(byte[] buf, int at) {
        return ((long) (buf[at] & 0xFF) << 24) | ((buf[at + 1] & 0xFF) << 16) | ((buf[at + 2] & 0xFF) << 8)
                | (buf[at + 3] & 0xFF);
    }

    /** Writes a 32-bit big-endian value. */
    public static void writeUint32(byte[] buf, int at, long value) {
        buf[at] = (byte) (value >>> 24);
        buf[at + 1] = (byte) (value >>> 16);
        buf[at + 2] = (byte) (value >>> 8);
        buf[at + 3] = (byte) value;
    }
}
