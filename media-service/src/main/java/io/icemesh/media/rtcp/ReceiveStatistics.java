package io.icemesh.media.rtcp;

import io.icemesh.media.rtp.RtpPacket;

/**
 * Reception statistics of one RTP stream the SFU receives, kept as RFC 3550 appendix A.1 (sequence numbers, with
 * MAX_DROPOUT and MAX_MISORDER), A.3 (expected and lost packets) and A.8 (interarrival jitter), and written out as a
 * report block (section 6.4.1).
 *
 * <p>{@link #packet} runs on the publisher's receive thread (one writer); {@link #writeReportBlock} on the report
 * timer. The writer publishes the extended highest sequence number, received count and jitter through volatile
 * fields, so a report may see one packet more in one figure than another: harmless for RTCP.
 */
public final class ReceiveStatistics {

    /** A report block's length (RFC 3550 section 6.4.1). */
    public static final int BLOCK_LENGTH = RtcpCompound.REPORT_BLOCK;
    /** RFC 3550 appendix A.1: a jump larger than this restarts the sequence unless it proves to be one. */
    static final int MAX_DROPOUT = 3000;
    /** RFC 3550 appendix A.1: packets this far behind the highest count as late, not as a restart. */
    static final int MAX_MISORDER = 100;
    private static final int SEQ_MOD = 1 << 16;

    private final int clockRate;
    private final long epochNanos;

    // Writer state.
    private boolean started;
    private int maxSeq;
    private long cycles;
    private int badSeq = SEQ_MOD + 1;
    private long transitPrior;
    private boolean haveTransit;
    private long jitterQ4;

    // Published to the report timer.
    private volatile long baseExtended;
    private volatile long extendedMax = -1;
    private volatile long received;
    private volatile long jitter;
    private volatile SenderClock lastSenderReport;

    // Report timer state (RFC 3550 appendix A.3).
    private long expectedPrior;
    private long receivedPrior;

    /**
     * @param clockRate the stream's RTP clock (90000 video, 48000 Opus)
     * @param epochNanos a {@link System#nanoTime()} before any arrival, to keep arrival times small
     */
    public ReceiveStatistics(int clockRate, long epochNanos) {
        this.clockRate = clockRate;
        this.epochNanos = epochNanos;
    }

    /**
     * Counts a received packet. {@code retransmission} marks one recovered from RTX: it counts as received but does
     * not feed the jitter (its arrival says nothing about the path's delay variation).
     */
    public void packet(int sequenceNumber, long rtpTimestamp, long arrivalNanos, boolean retransmission) {
        int seq = sequenceNumber & 0xFFFF;
        if (!started) {
            restart(seq);
            started = true;
            received = 1;
            updateJitter(rtpTimestamp, arrivalNanos);
            return;
        }
        int delta = (seq - maxSeq) & 0xFFFF;
        boolean inOrder = false;
        if (delta < MAX_DROPOUT) {
            if (seq < maxSeq) {
                cycles += SEQ_MOD;
            }
            maxSeq = seq;
            inOrder = delta != 0;
        } else if (delta <= SEQ_MOD - MAX_MISORDER) {
            // A very large jump: the sender restarted its sequence, or this is a stray packet. Only a second packet
            // following this one proves a restart (RFC 3550 appendix A.1).
            if (seq == badSeq) {
                restart(seq);
                received = 1;
                haveTransit = false;
                updateJitter(rtpTimestamp, arrivalNanos);
                return;
            }
            badSeq = (seq + 1) & 0xFFFF;
            return;
        }
        // else: a duplicate or a late packet, counted below
        received = received + 1;
        extendedMax = cycles + maxSeq;
        if (inOrder && !retransmission) {
            updateJitter(rtpTimestamp, arrivalNanos);
        }
    }

    private void restart(int seq) {
        maxSeq = seq;
        cycles = 0;
        badSeq = SEQ_MOD + 1;
        baseExtended = seq;
        extendedMax = seq;
    }

    private void updateJitter(long rtpTimestamp, long arrivalNanos) {
        long arrivalUnits = (Math.max(0, arrivalNanos - epochNanos) / 1_000L) * clockRate / 1_000_000L;
        long transit = arrivalUnits - rtpTimestamp;
        if (haveTransit) {
            int d = (int) (transit - transitPrior);
            long abs = Math.abs((long) d);
            jitterQ4 += abs - ((jitterQ4 + 8) >> 4);
            jitter = jitterQ4 >> 4;
        }
        transitPrior = transit;
        haveTransit = true;
    }

    /** Records the stream's sender report as it arrived (RTCP thread). */
    public void senderReport(SenderClock clock) {
        lastSenderReport = clock;
    }

    /** The publisher's last sender report, or null before the first. */
    public SenderClock lastSenderReport() {
        return lastSenderReport;
    }

    /** Packets received so far. */
    public long received() {
        return received;
    }

    /** The extended highest sequence number received, -1 before any packet. */
    public long extendedHighest() {
        return extendedMax;
    }

    /** Expected minus received since the first packet (RFC 3550 appendix A.3), negative with duplicates. */
    public long cumulativeLost() {
        long max = extendedMax;
        return max < 0 ? 0 : max - baseExtended + 1 - received;
    }

    /** The interarrival jitter in RTP timestamp units. */
    public long jitter() {
        return jitter;
    }

    /**
     * Writes the report block for {@code ssrc} at {@code at} (report timer thread only: it advances the fraction-lost
     * interval) and returns {@link #BLOCK_LENGTH}, or 0 when nothing was received yet.
     */
    public int writeReportBlock(int ssrc, byte[] buf, int at, long nowNanos) {
        long max = extendedMax;
        long got = received;
        if (max < 0 || got == 0) {
            return 0;
        }
        long expected = max - baseExtended + 1;
        long lost = expected - got;
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = got - receivedPrior;
        expectedPrior = expected;
        receivedPrior = got;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : (int) Math.min(255, (lostInterval << 8) / expectedInterval);
        int cumulative = (int) Math.max(-0x800000, Math.min(0x7FFFFF, lost));
        RtpPacket.writeUint32(buf, at, ssrc & 0xFFFFFFFFL);
        buf[at + 4] = (byte) fraction;
        buf[at + 5] = (byte) (cumulative >> 16);
        buf[at + 6] = (byte) (cumulative >> 8);
        buf[at + 7] = (byte) cumulative;
        RtpPacket.writeUint32(buf, at + 8, max & 0xFFFFFFFFL);
        RtpPacket.writeUint32(buf, at + 12, Math.min(jitter, 0xFFFFFFFFL));
        SenderClock sr = lastSenderReport;
        long lsr = 0;
        long dlsr = 0;
        if (sr != null) {
            lsr = sr.middle32();
            long delay = Math.max(0, nowNanos - sr.arrivalNanos());
            dlsr = Math.min(0xFFFFFFFFL, (delay / 1_000L) * 65536L / 1_000_000L);
        }
        RtpPacket.writeUint32(buf, at + 16, lsr);
        RtpPacket.writeUint32(buf, at + 20, dlsr);
        return BLOCK_LENGTH;
    }
}
