package io.icemesh.monitor.metrics;

import java.time.Duration;

/** Histogram bucket bounds for session timings, 1 ms to 30 s: what the time-to-connect panels and alerts use. */
public final class LatencyBuckets {

    /** From a loopback host call (about 1 ms gathering) to a session stuck on dead servers (aioice gives up at 5 s per lookup). */
    public static final Duration[] SESSION = millis(1, 2, 5, 10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000,
            3000, 5000, 7500, 10000, 15000, 20000, 30000);

    /** Probe round trips: loopback answers in tens of microseconds; beyond a second is a miss anyway. */
    public static final Duration[] PROBE = micros(50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
            250000, 500000, 1000000);

    private LatencyBuckets() {
    }

    private static Duration[] millis(long... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofMillis(values[i]);
        }
        return d;
    }

    private static Duration[] micros(long... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos(values[i] * 1000);
        }
        return d;
    }
}
