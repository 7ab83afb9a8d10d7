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

    private RtcpWriter() {
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
