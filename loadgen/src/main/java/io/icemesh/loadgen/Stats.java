package io.icemesh.loadgen;

import java.util.concurrent.ConcurrentLinkedQueue;
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

    void firstFrame(long nanos) {
        firstFrameNanos.add(nanos);
    }
}
