package io.icemesh.media.rtp;

/**
 * The RTP retransmission payload format of RFC 4588 section 4: an RTX packet carries the original packet's payload
 * behind a two-byte original sequence number (OSN), on the RTX SSRC with the RTX payload type and its own sequence
 * numbers; timestamp and marker are the original's. Both directions work on caller buffers and allocate nothing.
 */
public final class RtxPacket {

    /** The original sequence number in front of the payload (RFC 4588 section 4). */
    public static final int OSN_LENGTH = 2;
    /** {@link #unwrap} result for an RTX packet with no OSN: padding only (bandwidth probes), nothing to recover. */
    public static final int PADDING_ONLY = 0;
    /** Result for bytes that are not a well-formed RTP packet, or a buffer too small. */
    public static final int MALFORMED = -1;

    private RtxPacket() {
    }

    /**
     * Writes the RTX packet that retransmits {@code src} (a plain RTP packet): the fixed header and CSRCs with payload
     * type, sequence number and SSRC replaced, no header extension and no padding (RFC 4588 section 4: padding and
     * extensions belong to each packet, not to the payload), then the OSN and the original payload. Returns the length
     * written, or {@link #MALFORMED}.
     */
    public static int wrap(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset, int rtxPayloadType,
            int rtxSsrc, int rtxSequenceNumber) {
        int header = RtpPacket.headerLength(src, srcOffset, srcLength);
        if (header < 0 || dst == null || dstOffset < 0) {
            return MALFORMED;
        }
        int base = RtpPacket.FIXED_HEADER + 4 * RtpPacket.csrcCount(src, srcOffset);
        int payloadEnd = srcLength - padding(src, srcOffset, srcLength);
        int payload = payloadEnd - header;
        int total = base + OSN_LENGTH + payload;
        if (dstOffset > dst.length - total) {
            return MALFORMED;
        }
        System.arraycopy(src, srcOffset, dst, dstOffset, base);
        dst[dstOffset] = (byte) (src[srcOffset] & ~0x30);
        RtpPacket.setPayloadType(dst, dstOffset, rtxPayloadType);
        dst[dstOffset + 2] = (byte) (rtxSequenceNumber >>> 8);
        dst[dstOffset + 3] = (byte) rtxSequenceNumber;
        RtpPacket.writeUint32(dst, dstOffset + 8, rtxSsrc & 0xFFFFFFFFL);
        dst[dstOffset + base] = src[srcOffset + 2];
        dst[dstOffset + base + 1] = src[srcOffset + 3];
        System.arraycopy(src, srcOffset + header, dst, dstOffset + base + OSN_LENGTH, payload);
        return total;
    }

    /**
     * Turns a plain RTX packet back into the original packet, in place: sequence number from the OSN, the media
     * payload type and SSRC, the OSN removed and the RTX packet's padding dropped (RFC 4588 section 4). Header
     * extensions and CSRCs stay. Returns the original's length, {@link #PADDING_ONLY} when no OSN is present, or
     * {@link #MALFORMED}.
     */
    public static int unwrap(byte[] buf, int offset, int length, int mediaPayloadType, int mediaSsrc) {
        int header = RtpPacket.headerLength(buf, offset, length);
        if (header < 0) {
            return MALFORMED;
        }
        int payloadEnd = length - padding(buf, offset, length);
        if (payloadEnd - header < OSN_LENGTH) {
            return PADDING_ONLY;
        }
        byte osnHigh = buf[offset + header];
        byte osnLow = buf[offset + header + 1];
        System.arraycopy(buf, offset + header + OSN_LENGTH, buf, offset + header, payloadEnd - header - OSN_LENGTH);
        buf[offset] = (byte) (buf[offset] & ~0x20);
        RtpPacket.setPayloadType(buf, offset, mediaPayloadType);
        buf[offset + 2] = osnHigh;
        buf[offset + 3] = osnLow;
        RtpPacket.writeUint32(buf, offset + 8, mediaSsrc & 0xFFFFFFFFL);
        return payloadEnd - OSN_LENGTH;
    }

    /** Padding octets of a packet {@link RtpPacket#headerLength} accepted (RFC 3550 section 5.1), 0 without the P bit. */
    public static int padding(byte[] buf, int offset, int length) {
        return (buf[offset] & 0x20) != 0 ? buf[offset + length - 1] & 0xFF : 0;
    }
}
