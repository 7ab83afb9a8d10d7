package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed problem and its cure, across three services: a configured STUN server that swallows every packet costs
 * aiortc 5 s of gathering; monitor-service's probes find it silent and publish it unhealthy, signaling stops handing
 * it out, and aiortc gathers in milliseconds.
 */
class UnreachableStunTest {

    @Test
    void anUnhealthyStunServerLeavesTheListAndAiortcNoLongerWaitsForIt() throws Exception {
        try (DatagramSocket blackHole = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             Mesh mesh = new Mesh()) {
            String dead = "stun:127.0.0.1:" + blackHole.getLocalPort();
            // Without monitor yet, nothing has judged the server: the configured list holds, as for a client today.
            Mesh.Result up = mesh.run(Map.of("ICEMESH_SIGNALING_ICE_SERVERS", dead), "up", "-d", "signaling");
            assertEquals(0, up.exitCode(), up.output());
            int signaling = mesh.ports.get("signaling");

            JsonNode before = Aiortc.run(mesh.root, signaling, "--gather-only", "--room", "seed");
            assertTrue(before.get("iceServers").toString().contains(dead), "configured server is handed out");
            long slow = before.get("gatheringMs").asLong();
            assertTrue(slow >= 4000, "aiortc waits for the silent STUN server (about 5 s), took " + slow + " ms");

            // ./icemesh up adds monitor to the running mesh. Its own probe list stays empty: it learns the server
            // from signaling's announcement of its configured servers on icemesh.nodes.
            Mesh.Result monitor = mesh.run("up", "-d", "monitor");
            assertEquals(0, monitor.exitCode(), monitor.output());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode after = Aiortc.run(mesh.root, signaling, "--gather-only", "--room", "seed");
                assertFalse(after.get("iceServers").toString().contains(dead), "unhealthy server is gone");
                long fast = after.get("gatheringMs").asLong();
                assertTrue(fast < 1000, "aiortc gathers in milliseconds now, took " + fast + " ms");
                System.out.printf("aiortc gathering with a silent STUN server %d ms; after monitor marked it"
                        + " unhealthy %d ms%n", slow, fast);
            });
        }
    }
}
