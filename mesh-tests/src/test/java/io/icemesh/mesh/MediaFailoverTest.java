package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An SFU call survives its media node draining: two media-service nodes ({@code ./icemesh up --scale media=2}), two
 * Chromium pages in an SFU room on one of them; that node gets SIGTERM (it announces draining and keeps its calls
 * for its drain grace), signaling moves the room to the other node, and both pages connect to it by themselves and
 * decode each other again. Then the drained node is started again and the node the room moved to is killed
 * (SIGKILL): its announcements stop, and the room moves back the same way.
 */
class MediaFailoverTest {

    @Test
    void aRoomOnADrainingNodeMovesToTheOtherAndBothPagesDecodeEachOtherThere() throws Exception {
        try (Mesh mesh = new Mesh()) {
            // A drain grace long enough that the old node still serves while the room moves.
            Map<String, String> env = Map.of("ICEMESH_MEDIA_DRAIN_GRACE", "30s", "_LOCAL_ICEMESH_MEDIA_DRAIN_GRACE",
                    "30s");
            Mesh.Result up = mesh.run(env, "up", "-d", "--scale", "media=2");
            assertEquals(0, up.exitCode(), "./icemesh up -d --scale media=2 failed:\n" + up.output());
            int http0 = mesh.ports.get("media");
            int udp0 = Integer.parseInt(mesh.env.get("ICEMESH_MEDIA_UDP_PORT"));
            String room = "failover-" + UUID.randomUUID().toString().substring(0, 8);
            try (SfuPage a = SfuPage.join(mesh, room, "a", ""); SfuPage b = SfuPage.join(mesh, room, "b", "")) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    assertTrue(a.decodedByStream().getOrDefault(b.streamId(), 0L) > 0, a.diagnostics());
                    assertTrue(b.decodedByStream().getOrDefault(a.streamId(), 0L) > 0, b.diagnostics());
                });
                int first = Mesh.mediaEndpoints(http0) == 2 ? 0 : 1;
                int second = 1 - first;
                assertEquals(2.0, Mesh.mediaEndpoints(http0 + 100 * first), "both pages are on node " + first);
                assertTrue(sfuSdp(a).contains(" " + (udp0 + 100 * first) + " typ host"), "a talks to node " + first);

                long pid = Long.parseLong(Files.readString(mesh.home.resolve("run")
                        .resolve(first == 0 ? "media.pid" : "media-1.pid")).trim());
                long drainedAt = System.nanoTime();
                ProcessHandle.of(pid).orElseThrow().destroy(); // SIGTERM: the node drains

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    assertTrue(sfuSdp(a).contains(" " + (udp0 + 100 * second) + " typ host"),
                            "a connected to node " + second + ": " + a.diagnostics());
                    assertTrue(sfuSdp(b).contains(" " + (udp0 + 100 * second) + " typ host"),
                            "b connected to node " + second + ": " + b.diagnostics());
                    assertTrue(a.decodedByStream().getOrDefault(b.streamId(), 0L) > 0, a.diagnostics());
                    assertTrue(b.decodedByStream().getOrDefault(a.streamId(), 0L) > 0, b.diagnostics());
                });
                System.out.printf("SFU room moved off a draining node: both pages decoding again %d ms after "
                        + "SIGTERM%n", (System.nanoTime() - drainedAt) / 1_000_000);
                assertEquals(2.0, Mesh.mediaEndpoints(http0 + 100 * second),
                        "both pages are on node " + second + " now");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    long before = a.decodedByStream().getOrDefault(b.streamId(), 0L);
                    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                            a.decodedByStream().getOrDefault(b.streamId(), 0L) > before + 10);
                });
                String log = Files.readString(mesh.home.resolve("logs").resolve("signaling.log"));
                assertTrue(log.contains("moving room " + room + " from media node"), "signaling says why it moved");
                assertTrue(log.contains("(node-draining)"), "the cause is the drain");

                // The drained node comes back; then the node the room moved to crashes (SIGKILL): its announcements
                // stop, signaling takes it for gone and moves the room back.
                String drained = first == 0 ? "media" : "media-1";
                Mesh.Result restart = mesh.run(env, "restart", drained);
                assertEquals(0, restart.exitCode(), restart.output());
                long survivor = Long.parseLong(Files.readString(mesh.home.resolve("run")
                        .resolve(second == 0 ? "media.pid" : "media-1.pid")).trim());
                long crashedAt = System.nanoTime();
                ProcessHandle.of(survivor).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    assertTrue(sfuSdp(a).contains(" " + (udp0 + 100 * first) + " typ host"),
                            "a connected to node " + first + " again: " + a.diagnostics());
                    assertTrue(sfuSdp(b).contains(" " + (udp0 + 100 * first) + " typ host"),
                            "b connected to node " + first + " again: " + b.diagnostics());
                    assertTrue(a.decodedByStream().getOrDefault(b.streamId(), 0L) > 0, a.diagnostics());
                    assertTrue(b.decodedByStream().getOrDefault(a.streamId(), 0L) > 0, b.diagnostics());
                });
                System.out.printf("SFU room moved off a crashed node: both pages decoding again %d ms after "
                        + "SIGKILL at %s%n", (System.nanoTime() - crashedAt) / 1_000_000, java.time.Instant.now()
                        .minusNanos(System.nanoTime() - crashedAt));
                Files.readAllLines(mesh.home.resolve("logs").resolve("signaling.log")).stream()
                        .filter(l -> l.contains("moving room") || l.contains("moved from media node"))
                        .forEach(l -> System.out.println("signaling: " + l));
                assertTrue(Files.readString(mesh.home.resolve("logs").resolve("signaling.log")).contains("(node-gone)"),
                        "the cause is the node's silence");
            }
        }
    }

    /** The remote description of a page's SFU connection. */
    private static String sfuSdp(SfuPage page) {
        Object sdp = page.browser.js("const l = window.icemeshClient.links.get('sfu');"
                + " return l && l.pc.remoteDescription ? l.pc.remoteDescription.sdp : ''");
        return sdp == null ? "" : sdp.toString();
    }
}
