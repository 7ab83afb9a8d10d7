package io.icemesh.monitor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProbeTargetTest {

    @Test
    void parsesStunAndTurnUrlsWithDefaultPorts() {
        assertEquals(Optional.of(new ProbeTarget("stun:127.0.0.1:19302", "stun", "127.0.0.1", 19302)),
                ProbeTarget.parse("stun:127.0.0.1:19302"));
        assertEquals(3478, ProbeTarget.parse("stun:localhost").orElseThrow().port());
        assertEquals(5349, ProbeTarget.parse("turns:localhost?transport=tcp").orElseThrow().port());
        ProbeTarget turn = ProbeTarget.parse("turn:127.0.0.1:3478?transport=udp").orElseThrow();
        assertEquals("127.0.0.1", turn.host());
        assertEquals(3478, turn.port());
        assertEquals("::1", ProbeTarget.parse("stun:[::1]:3478").orElseThrow().host());
    }

    @Test
    void refusesWhatIsNotAnIceServerUrl() {
        for (String bad : new String[] {"http://127.0.0.1", "stun:", "stun:host:0", "stun:host:99999", "stun:[::1",
                "stun:::1:3478", "127.0.0.1:3478", "stun:host:port"}) {
            assertTrue(ProbeTarget.parse(bad).isEmpty(), bad);
        }
    }
}
