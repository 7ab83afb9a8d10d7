package io.icemesh.media.rtcp;

/**
 * Receives the packets of an RTCP compound as {@link RtcpCompound#parse} recognises them. Offsets point into the
 * parsed buffer; nothing is copied. Every method has an empty default so a visitor implements only what it needs.
 */
public interface RtcpVisitor {

    /** A sender report with its sender SSRC and report-block count. */
    default void senderReport(int senderSsrc, int reportBlocks) {
    }

    /**
     * The sender info of a sender report (RFC 3550 section 6.4.1), after {@link #senderReport}: NTP timestamp, RTP
     * timestamp, and the sender's packet and octet counts (unsigned 32-bit values in longs).
     */
    default void senderInfo(int senderSsrc, long ntp, long rtpTimestamp, long packetCount, long octetCount) {
    }

    /**
     * One report block of an SR or RR (RFC 3550 section 6.4.1), after the packet's {@link #senderReport} or
     * {@link #receiverReport}: cumulative lost is the signed 24-bit value, the rest unsigned.
     */
    default void reportBlock(int reporterSsrc, int sourceSsrc, int fractionLost, int cumulativeLost,
            long extendedHighestSequence, long jitter, long lastSenderReport, long delaySinceLastSenderReport) {
    }

    /** A receiver report with its sender SSRC and report-block count. */
    default void receiverReport(int senderSsrc, int reportBlocks) {
    }

    /** A picture loss indication for {@code mediaSsrc}. */
    default void pli(int senderSsrc, int mediaSsrc) {
    }

    /** A full intra request entry for {@code targetSsrc} with its sequence number. */
    default void fir(int senderSsrc, int targetSsrc, int sequenceNumber) {
    }

    /** One generic NACK entry: packet id and bitmask of the following 16 lost packets. */
    default void nack(int senderSsrc, int mediaSsrc, int packetId, int lostBitmask) {
    }

    /** A REMB estimate in bits per second for {@code ssrcCount} SSRCs (draft-alvestrand-rmcat-remb-03). */
    default void remb(int senderSsrc, long bitrateBps, int ssrcCount) {
    }

    /** A transport-cc feedback packet (recognised, not decoded). */
    default void transportCc(int senderSsrc, int mediaSsrc) {
    }

    /** Any other well-framed packet (SDES, BYE, APP, XR, unknown feedback formats). */
    default void other(int packetType, int format, int offset, int length) {
    }
}
