package io.icemesh.loadgen;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the whole run, shared by every endpoint and reactor thread. */
final class Stats {
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder frames = new LongAdder();
    final LongAdder sentPackets = new LongAdder();
    final LongAdder sentBytes = new LongAdder();
    final LongAdder sentFrames = new LongAdder();
    final LongAdder retransmitted = new LongAdder();
    final LongAdder keyframeRequests = new LongAdder();
    final LongAdder rtcpIn = new LongAdder();
    final LongAdder rtcpOut = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    /** RTX packets received (RFC 4588). */
    final LongAdder repairs = new LongAdder();
    final LongAdder early = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder sendDropped = new LongAdder();
    /** Publishers' NACKed packets not resent because they had been resent within the publisher's throttle. */
    final LongAdder nackThrottled = new LongAdder();
    /** Nanoseconds from an endpoint's creation to its first whole frame after a keyframe. */
    final ConcurrentLinkedQueue<Long> firstFrameNanos = new ConcurrentLinkedQueue<>();

    /**
     * Forwarding latency samples: 10 µs buckets up to 100 ms, then 1 ms buckets up to 1 s (samples above 1 s are
     * not matched at all, see Endpoint).
     */
    static final int FINE_BUCKETS = 10_000;
    static final long FINE_NANOS = 10_000;
    static final int COARSE_BUCKETS = 900;
    static final long COARSE_NANOS = 1_000_000;
    static final int LATENCY_BUCKETS = FINE_BUCKETS + COARSE_BUCKETS;
    final AtomicLongArray latencyBuckets = new AtomicLongArray(LATENCY_BUCKETS);
    /** Packets whose PictureID and place in the frame matched no recent send of their publisher. */
    final LongAdder latencyUnmatched = new LongAdder();

    /** The event counters by their name in the tool's JSON, in a fixed order. */
    java.util.Map<String, LongAdder> counters() {
        java.util.Map<String, LongAdder> m = new java.util.LinkedHashMap<>();
        m.put("auth_failures", authFailures);
        m.put("repairs_received", repairs);
        m.put("early", early);
        m.put("dropped", dropped);
        m.put("send_dropped", sendDropped);
        m.put("retransmitted", retransmitted);
        m.put("nack_throttled", nackThrottled);
        m.put("keyframe_requests", keyframeRequests);
        m.put("rtcp_in", rtcpIn);
        m.put("rtcp_out", rtcpOut);
        return m;
    }

    void latency(long nanos) {
        latencyBuckets.incrementAndGet(bucket(nanos));
    }

    static int bucket(long nanos) {
        if (nanos < FINE_BUCKETS * FINE_NANOS) {
            return (int) (nanos / FINE_NANOS);
        }
        long coarse = (nanos - FINE_BUCKETS * FINE_NANOS) / COARSE_NANOS;
        return (int) Math.min(LATENCY_BUCKETS - 1, FINE_BUCKETS + coarse);
    }

    /** The upper edge of a bucket, in milliseconds. */
    static double upperEdgeMillis(int bucket) {
        if (bucket < FINE_BUCKETS) {
            return (bucket + 1) * FINE_NANOS / 1e6;
        }
        return (FINE_BUCKETS * FINE_NANOS + (bucket - FINE_BUCKETS + 1) * COARSE_NANOS) / 1e6;
    }

    long[] latencySnapshot() {
        long[] out = new long[LATENCY_BUCKETS];
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            out[i] = latencyBuckets.get(i);
        }
        return out;
    }

    /** The q-quantile in milliseconds (a bucket's upper edge) of the samples between two snapshots, or -1. */
    static double quantileMillis(long[] before, long[] after, double q) {
        long total = 0;
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            total += after[i] - before[i];
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            seen += after[i] - before[i];
            if (seen >= rank) {
                return upperEdgeMillis(i);
            }
        }
        return upperEdgeMillis(LATENCY_BUCKETS - 1);
    }

    void firstFrame(long nanos) {
        firstFrameNanos.add(nanos);
    }
}
