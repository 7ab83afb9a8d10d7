package io.icemesh.signaling.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.ServerHealth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IceServerOrderTest {

    private final Map<String, ServerHealth> verdicts = new HashMap<>();

    @Test
    void keepsTheGivenOrderWhileNothingIsMeasured() {
        assertEquals(List.of(List.of("stun:10.0.0.1:3478"), List.of("stun:10.0.0.2:3478"),
                        List.of("turn:10.0.0.3:3478?transport=udp", "turn:10.0.0.3:3478?transport=tcp")),
                urls(order("stun:10.0.0.1:3478", "stun:10.0.0.2:3478", "stun:10.0.0.9:3478",
                        "turn:10.0.0.3:3478?transport=tcp", "turn:10.0.0.3:3478?transport=udp")),
                "the given order, two STUN URLs, and inside a TURN server UDP before TCP");
    }

    @Test
    void measuredHealthyServersComeFirstBestFirstAndUnhealthyOnesAreLeftOut() {
        healthy("stun:10.0.0.2:3478", 40.0);
        healthy("stun:10.0.0.3:3478", 2.0);
        unhealthy("stun:10.0.0.4:3478");
        assertEquals(List.of(List.of("stun:10.0.0.3:3478"), List.of("stun:10.0.0.2:3478")),
                urls(order("stun:10.0.0.1:3478", "stun:10.0.0.4:3478", "stun:10.0.0.2:3478", "stun:10.0.0.3:3478")));
    }

    @Test
    void aNeverMeasuredStunServerDoesNotGoBeforeAMeasuredTurnServer() {
        healthy("turn:10.0.0.3:3478?transport=udp", 5.0);
        List<List<String>> entries = urls(order("stun:10.0.0.1:3478", "turn:10.0.0.3:3478?transport=udp"));
        assertEquals(List.of(List.of("turn:10.0.0.3:3478?transport=udp"), List.of("stun:10.0.0.1:3478")), entries,
                "the never-measured stun:10.0.0.1 must come after the measured TURN server, was " + entries);
    }

    @Test
    void aNeverMeasuredTurnUrlDoesNotGoFirstInsideItsServer() {
        healthy("turn:10.0.0.3:3478?transport=tcp", 3.0);
        healthy("turns:10.0.0.3:5349?transport=tcp", 4.0);
        List<IceServerOrder.Entry> entries = order("turn:10.0.0.3:3478?transport=udp",
                "turns:10.0.0.3:5349?transport=tcp", "turn:10.0.0.3:3478?transport=tcp");
        assertEquals(List.of(List.of("turn:10.0.0.3:3478?transport=tcp", "turns:10.0.0.3:5349?transport=tcp",
                        "turn:10.0.0.3:3478?transport=udp")), urls(entries),
                "clients that use only the first TURN URL must get a measured one; measured ones keep UDP, TCP, TLS");
        assertEquals(true, entries.get(0).turn());
    }

    private List<IceServerOrder.Entry> order(String... urls) {
        List<IceUrl> candidates = java.util.Arrays.stream(urls).map(IceUrl::parse).toList();
        return IceServerOrder.order(candidates, verdicts::get, 2);
    }

    private static List<List<String>> urls(List<IceServerOrder.Entry> entries) {
        return entries.stream().map(IceServerOrder.Entry::urls).toList();
    }

    private void healthy(String url, double rttMs) {
        verdicts.put(url, new ServerHealth(EventSchema.VERSION, url, true, rttMs, rttMs, 0, "answers", 1));
    }

    private void unhealthy(String url) {
        verdicts.put(url, new ServerHealth(EventSchema.VERSION, url, false, null, null, 1, "no answer", 1));
    }
}
