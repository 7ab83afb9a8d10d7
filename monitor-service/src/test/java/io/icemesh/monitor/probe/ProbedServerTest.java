package io.icemesh.monitor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ProbedServerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProbedServer server = new ProbedServer(ProbeTarget.parse("stun:127.0.0.1:3478").orElseThrow(),
            new ProbeMeters("stun:127.0.0.1:3478", registry), 3, 4);

    @Test
    void becomesUnhealthyAfterConsecutiveMissesAndHealthyAtTheNextAnswer() {
        assertTrue(server.answered(1_000_000, 0, 1), "the first answer is a verdict: healthy");
        assertFalse(server.missed("no answer", 2));
        assertFalse(server.missed("no answer", 3));
        assertTrue(server.status().healthy(), "two misses are not enough");
        assertTrue(server.missed("no answer", 4), "the third miss in a row flips it");
        assertTrue(server.status().unreachable());
        assertEquals(0.0, registry.get("icemesh.monitor.server.healthy").gauge().value());
        assertEquals(0.75, server.status().lossRatio(), 1e-9, "3 of the last 4 probes were missed");
        assertTrue(server.answered(2_000_000, 0, 5), "one answer makes it healthy again");
        assertEquals(1.0, registry.get("icemesh.monitor.server.healthy").gauge().value());
        assertEquals(2.0, server.status().rttP50Ms(), 1e-9, "the 1 ms answer left the 4-probe window");
        assertEquals(0.75, server.status().lossRatio(), 1e-9);
    }

    @Test
    void unknownUntilAVerdictAndRemovesItsMeters() {
        assertFalse(server.status().known());
        assertTrue(Double.isNaN(registry.get("icemesh.monitor.server.healthy").gauge().value()));
        server.meters().remove();
        assertTrue(registry.find("icemesh.monitor.server.healthy").gauges().isEmpty());
        assertTrue(registry.find("icemesh.monitor.probe.rtt").timers().isEmpty());
    }
}
