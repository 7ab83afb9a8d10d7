package io.icemesh.monitor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class SessionMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SessionMetrics metrics = new SessionMetrics(registry);

    private double pairs(String local, String remote, String protocol) {
        return registry.get("icemesh.monitor.selected.pairs").tag("local_type", local).tag("remote_type", remote)
                .tag("protocol", protocol).counter().count();
    }

    @Test
    void aPairWithoutProtocolKeepsItsTypes() {
        // examples/aiortc reported its selected pair without a protocol: it used to count as unknown/unknown/unknown
        metrics.selectedPair("host", "prflx", null);
        assertEquals(1, pairs("host", "prflx", "unknown"), 0.0);
        assertEquals(0, pairs("unknown", "unknown", "unknown"), 0.0);
    }

    @Test
    void anUnknownTypeKeepsTheOtherLabels() {
        metrics.selectedPair("relay", "mystery", "UDP");
        assertEquals(1, pairs("relay", "unknown", "udp"), 0.0);
        metrics.candidate("srflx", "quic");
        assertEquals(1, registry.get("icemesh.monitor.candidates.gathered").tag("type", "srflx")
                .tag("protocol", "unknown").counter().count(), 0.0);
    }
}
