package io.icemesh.monitor.probe;

import java.util.Arrays;

/** The last N probe results of one server: round trips in nanoseconds, or a miss. Not thread-safe. */
final class ProbeWindow {

    private static final long MISS = -1;
    private static final double NANOS_PER_MILLI = 1_000_000.0;
    private static final double P50 = 0.50;
    private static final double P95 = 0.95;

    private final long[] results;
    private int size;
    private int next;

    ProbeWindow(int capacity) {
        results = new long[Math.max(1, capacity)];
    }

    void answered(long rttNanos) {
        add(rttNanos);
    }

    void missed() {
        add(MISS);
    }

    private void add(long value) {
        results[next] = value;
        next = (next + 1) % results.length;
        size = Math.min(size + 1, results.length);
    }

    /** Unanswered share, 0 when empty. */
    double lossRatio() {
        if (size == 0) {
            return 0;
        }
        int misses = 0;
        for (int i = 0; i < size; i++) {
            if (results[i] == MISS) {
                misses++;
            }
        }
        return misses / (double) size;
    }

    Double p50Millis() {
        return percentileMillis(P50);
    }

    Double p95Millis() {
        return percentileMillis(P95);
    }

    /** Nearest-rank percentile of the answered probes in milliseconds, null without answers. */
    private Double percentileMillis(double p) {
        long[] answered = Arrays.stream(results, 0, size).filter(r -> r != MISS).sorted().toArray();
        if (answered.length == 0) {
            return null;
        }
        int rank = (int) Math.ceil(p * answered.length);
        return answered[Math.max(0, rank - 1)] / NANOS_PER_MILLI;
    }
}
