package io.icemesh.media.stream;

import io.icemesh.media.track.Track;
import io.icemesh.stun.TokenBucket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream the SFU sends one subscriber: what it sent (for the SFU's sender reports), its RTX sequence numbers
 * (RFC 4588: the RTX stream numbers its own packets), the retransmission rate limit, and the round-trip time learned
 * from the subscriber's receiver reports.
 */
public final class EgressStream {

    /** Retransmissions of one packet to one subscriber at most this often, whatever the NACKs say. */
    private final long rtxMinIntervalNanos;

    private final Track track;
    private final int ssrc;
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong octets = new AtomicLong();
    private final AtomicInteger rtxSequence = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));
    private final int[] rtxSeqs;
    private final long[] rtxAt;
    /** RTX bytes this subscriber may be sent: the configured bitrate, a burst of a quarter second (4 packets at least). */
    private final TokenBucket rtxBytes;
    private volatile long lastSrMiddle = -1;
    private volatile long lastSrSentNanos;
    private volatile long rttNanos = -1;

    EgressStream(Track track, int ssrc, RetransmissionLimits limits, int cacheCapacity, long nowNanos) {
        this.track = track;
        this.ssrc = ssrc;
        this.rtxMinIntervalNanos = limits.minIntervalNanos();
        long rtxBytesPerSecond = Math.max(1, limits.maxBitrate() / 8);
        long rtxBurstBytes = Math.max(4 * 1500, rtxBytesPerSecond / 4);
        this.rtxSeqs = new int[cacheCapacity];
        this.rtxAt = new long[cacheCapacity];
        java.util.Arrays.fill(rtxSeqs, -1);
        this.rtxBytes = new TokenBucket(rtxBytesPerSecond, rtxBurstBytes, nowNanos);
    }

    public Track track() {
        return track;
    }

    public int ssrc() {
        return ssrc;
    }

    /** Counts a forwarded packet with {@code payloadOctets} of payload (RFC 3550 section 6.4.1 sender's octet count). */
    public void sent(int payloadOctets) {
        packets.incrementAndGet();
        octets.addAndGet(payloadOctets);
    }

    public long packetsSent() {
        return packets.get();
    }

    public long octetsSent() {
        return octets.get();
    }

    /** The next RTX sequence number for this subscriber's RTX stream. */
    public int nextRtxSequence() {
        return rtxSequence.getAndIncrement() & 0xFFFF;
    }

    /**
     * Whether a retransmission of original packet {@code sequenceNumber} with {@code bytes} may go now: not the same
     * packet within the minimum interval, and within the byte rate. Takes the tokens when it says yes.
     */
    public synchronized boolean claimRetransmission(int sequenceNumber, int bytes, long nowNanos) {
        int i = sequenceNumber & (rtxSeqs.length - 1);
        if (rtxSeqs[i] == sequenceNumber && nowNanos - rtxAt[i] < rtxMinIntervalNanos) {
            return false;
        }
        if (!rtxBytes.tryTake(bytes, nowNanos)) {
            return false;
        }
        rtxSeqs[i] = sequenceNumber;
        rtxAt[i] = nowNanos;
        return true;
    }

    /** Remembers the sender report just sent (its LSR value), to compute the round trip from the subscriber's RR. */
    public void senderReportSent(long middle32, long nowNanos) {
        lastSrSentNanos = nowNanos;
        lastSrMiddle = middle32;
    }

    /**
     * Takes a report block about this stream from the subscriber; returns the round-trip time in nanoseconds when it
     * echoes the last sender report (RFC 3550 section 6.4.1: arrival minus LSR minus DLSR), else -1.
     */
    public long receiverReport(long lsr, long dlsr, long nowNanos) {
        if (lsr == 0 || lsr != lastSrMiddle) {
            return -1;
        }
        long rtt = nowNanos - lastSrSentNanos - dlsr * 1_000_000_000L / 65536L;
        if (rtt < 0) {
            rtt = 0;
        }
        rttNanos = rtt;
        return rtt;
    }

    /** The last round-trip time to the subscriber, -1 while unknown. */
    public long rttNanos() {
        return rttNanos;
    }
}
