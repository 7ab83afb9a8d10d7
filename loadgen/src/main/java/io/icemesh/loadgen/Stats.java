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
    /** SRTP packets refused as replays: duplicates, or behind jitsi-srtp's 64-packet window. */
    final LongAdder late = new LongAdder();
    /** RTX packets received (RFC 4588). */
    final LongAdder repairs = new LongAdder();
    final LongAdder early = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder sendDropped = new LongAdder();
    /** Nanoseconds from an endpoint's creation to its first whole frame after a keyframe. */
    final ConcurrentLinkedQueue<Long> firstFrameNanos = new ConcurrentLinkedQueue<>();

    /** Forwarding latency samples in 10 µs buckets up to 100 ms (the last bucket holds everything above). */
    static final int LATENCY_BUCKETS = 10_000;
    static final long LATENCY_BUCKET_NANOS = 10_000;
    final AtomicLongArray latencyBuckets = new AtomicLongArray(LATENCY_BUCKETS);
    /** Packets whose PictureID and place in the frame matched no recent send of their publisher. */
    final LongAdder latencyUnmatched = new LongAdder();

    void latency(long nanos) {
        latencyBuckets.incrementAndGet((int) Math.min(LATENCY_BUCKETS - 1, nanos / LATENCY_BUCKET_NANOS));
    }

    long[] latencySnapshot() {
        long[] out = new long[LATENCY_BUCKETS];
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            out[i] = latencyBuckets.get(i);
        }
        return out;
    }

    /** The q-quantile in milliseconds of the samples between two snapshots, or -1 without samples. */
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
                return (i + 1) * LATENCY_BUCKET_NANOS / 1e6; // the bucket's upper edge
            }
        }
        return LATENCY_BUCKETS * LATENCY_BUCKET_NANOS / 1e6;
    }

    void firstFrame(long nanos) {
        firstFrameNanos.add(nanos);
    }
}
