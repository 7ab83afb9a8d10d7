package io.icemesh.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void latencyQuantilesAreBucketEdgesFineBelow100MsAndCoarseUpToOneSecond() {
        Stats stats = new Stats();
        long[] before = stats.latencySnapshot();
        for (int i = 0; i < 98; i++) {
            stats.latency(1_234_000); // 1.234 ms: the 10 µs bucket ending at 1.24 ms
        }
        stats.latency(250_500_000); // 250.5 ms: the 1 ms bucket ending at 251 ms
        stats.latency(5_000_000_000L); // beyond a second: the last bucket
        long[] after = stats.latencySnapshot();
        assertEquals(1.24, Stats.quantileMillis(before, after, 0.5), 1e-9);
        assertEquals(1.24, Stats.quantileMillis(before, after, 0.98), 1e-9);
        assertEquals(251.0, Stats.quantileMillis(before, after, 0.99), 1e-9);
        assertEquals(1000.0, Stats.quantileMillis(before, after, 1.0), 1e-9);
        assertEquals(-1, Stats.quantileMillis(after, after, 0.5));
    }
}
