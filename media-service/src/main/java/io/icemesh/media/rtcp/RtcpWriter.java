package io.icemesh.media.rtcp;

import io.icemesh.media.rtp.RtpPacket;

/** Writes the RTCP packets the SFU originates, into a caller's buffer. */
public final class RtcpWriter {

    /** Length of a PLI: feedback header, no FCI (RFC 4585 section 6.3.1). */
    public static final int PLI_LENGTH = 12;
    /** Length of a generic NACK with one FCI entry (RFC 4585 section 6.2.1). */
    public static final int NACK_LENGTH = 16;
    /** Length of an empty receiver report, the first packet of a compound the SFU sends (RFC 3550 section 6.1). */
    public static final int EMPTY_RR_LENGTH = 8;

    /** Length of a sender report without report blocks: header, SSRC, sender info (RFC 3550 section 6.4.1). */
    public static final int SR_LENGTH = RtcpCompound.HEADER + 4 + RtcpCompound.SENDER_INFO;
    /** At most 31 report blocks fit the 5-bit count (RFC 3550 section 6.4.1). */
    public static final int MAX_REPORT_BLOCKS = 31;
    /** REMB's 18-bit mantissa (draft-alvestrand-rmcat-remb-03 section 2.2). */
    private static final long REMB_MANTISSA_MAX = 0x3FFFF;

    private RtcpWriter() {
    }

    /**
     * Writes a sender report with no report blocks (RFC 3550 section 6.4.1): the sender's SSRC, the NTP and RTP
     * timestamps of one instant, and its packet and octet counts (modulo 2^32). Returns {@link #SR_LENGTH}.
     */
    public static int senderReport(byte[] buf, int offset, int ssrc, long ntp, long rtpTimestamp, long packets,
            long octets) {
        buf[offset] = (byte) 0x80;
        buf[offset + 1] = (byte) RtcpType.SR;
        buf[offset + 2] = 0;
        buf[offset + 3] = (byte) (SR_LENGTH / 4 - 1);
        RtpPacket.writeUint32(buf, offset + 4, ssrc & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, offset + 8, ntp >>> 32);
        RtpPacket.writeUint32(buf, offset + 12, ntp & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, offset + 16, rtpTimestamp & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, offset + 20, packets & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, offset + 24, octets & 0xFFFFFFFFL);
        return SR_LENGTH;
    }

    /**
     * Writes the header and sender SSRC of a receiver report with {@code blocks} report blocks (0 to 31), which the
     * caller writes right after (RFC 3550 section 6.4.2). Returns the header's length, 8.
     */
    public static int receiverReportHeader(byte[] buf, int offset, int senderSsrc, int blocks) {
        int words = 1 + blocks * RtcpCompound.REPORT_BLOCK / 4;
        buf[offset] = (byte) (0x80 | (blocks & 0x1F));
        buf[offset + 1] = (byte) RtcpType.RR;
        buf[offset + 2] = (byte) (words >>> 8);
        buf[offset + 3] = (byte) words;
        RtpPacket.writeUint32(buf, offset + 4, senderSsrc & 0xFFFFFFFFL);
        return EMPTY_RR_LENGTH;
    }

    /** The length of a REMB for {@code ssrcCount} SSRCs. */
    public static int rembLength(int ssrcCount) {
        return RtcpCompound.FEEDBACK_HEADER + 8 + 4 * ssrcCount;
    }

    /**
     * Writes a REMB (draft-alvestrand-rmcat-remb-03 section 2.2: PSFB application layer feedback, media SSRC 0,
     * "REMB", SSRC count, 6-bit exponent and 18-bit mantissa of the bitrate in bit/s, the SSRCs it applies to).
     * Returns the length written.
     */
    public static int remb(byte[] buf, int offset, int senderSsrc, long bitrateBps, int[] ssrcs, int ssrcCount) {
        long mantissa = Math.max(0, bitrateBps);
        int exp = 0;
        while (mantissa > REMB_MANTISSA_MAX) {
            mantissa >>>= 1;
            exp++;
        }
        int n = rembLength(ssrcCount);
        buf[offset] = (byte) (0x80 | RtcpType.FMT_AFB);
        buf[offset + 1] = (byte) RtcpType.PSFB;
        buf[offset + 2] = (byte) ((n / 4 - 1) >>> 8);
        buf[offset + 3] = (byte) (n / 4 - 1);
        RtpPacket.writeUint32(buf, offset + 4, senderSsrc & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, offset + 8, 0);
        RtpPacket.writeUint32(buf, offset + 12, RtcpCompound.REMB_ID);
        buf[offset + 16] = (byte) ssrcCount;
        buf[offset + 17] = (byte) ((exp << 2) | (int) (mantissa >>> 16));
        buf[offset + 18] = (byte) (mantissa >>> 8);
        buf[offset + 19] = (byte) mantissa;
        for (int i = 0; i < ssrcCount; i++) {
            RtpPacket.writeUint32(buf, offset + 20 + 4 * i, ssrcs[i] & 0xFFFFFFFFL);
        }
        return n;
    }

    /**
     * Writes an RTCP compound of an empty RR (RFC 3550 section 6.1 wants a report first; RFC 5506 would allow a
     * reduced-size compound, but an RR first is understood by every receiver) followed by a PLI for
     * {@code mediaSsrc}. Returns the length written.
     */
    public static int pliCompound(byte[] buf, int offset, int senderSsrc, int mediaSsrc) {
        emptyReceiverReport(buf, offset, senderSsrc);
        int p = offset + EMPTY_RR_LENGTH;
        buf[p] = (byte) (0x80 | RtcpType.FMT_PLI);
        buf[p + 1] = (byte) RtcpType.PSFB;
        buf[p + 2] = 0;
        buf[p + 3] = 2;
        RtpPacket.writeUint32(buf, p + 4, senderSsrc & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, p + 8, mediaSsrc & 0xFFFFFFFFL);
        return EMPTY_RR_LENGTH + PLI_LENGTH;
    }

    /**
     * Writes an RTCP compound of an empty RR and a generic NACK with one entry (packet id and bitmask of the next 16
     * lost packets) for {@code mediaSsrc}. Returns the length written.
     */
    public static int nackCompound(byte[] buf, int offset, int senderSsrc, int mediaSsrc, int packetId, int lostBitmask) {
        emptyReceiverReport(buf, offset, senderSsrc);
        int p = offset + EMPTY_RR_LENGTH;
        buf[p] = (byte) (0x80 | RtcpType.FMT_NACK);
        buf[p + 1] = (byte) RtcpType.RTPFB;
        buf[p + 2] = 0;
        buf[p + 3] = 3;
        RtpPacket.writeUint32(buf, p + 4, senderSsrc & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, p + 8, mediaSsrc & 0xFFFFFFFFL);
        buf[p + 12] = (byte) (packetId >>> 8);
        buf[p + 13] = (byte) packetId;
        buf[p + 14] = (byte) (lostBitmask >>> 8);
        buf[p + 15] = (byte) lostBitmask;
        return EMPTY_RR_LENGTH + NACK_LENGTH;
    }

    private static void emptyReceiverReport(byte[] buf, int offset, int senderSsrc) {
        buf[offset] = (byte) 0x80;
        buf[offset + 1] = (byte) RtcpType.RR;
        buf[offset + 2] = 0;
        buf[offset + 3] = 1;
        RtpPacket.writeUint32(buf, offset + 4, senderSsrc & 0xFFFFFFFFL);
    }
}
