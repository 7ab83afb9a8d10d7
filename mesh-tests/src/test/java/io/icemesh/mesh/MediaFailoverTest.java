package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An SFU call survives its media node draining: two media-service nodes ({@code ./icemesh up --scale media=2}), three
 * Chromium pages in an SFU room on one of them; that node gets SIGTERM (it announces draining and keeps its calls
 * for its drain grace), signaling moves the room to the other node, and every page connects to it by itself and
 * decodes the other two again. Then the drained node is started again and the node the room moved to is killed
 * (SIGKILL): the pages' media stops and they report it, the node stops answering the leader's pings, and the room
 * moves back the same way. {@code ./icemesh status} and monitor's
 * {@code /api/rooms} show the node serving the room, and each session's timeline in monitor shows each move with its
 * cause in plain words.
 */
class MediaFailoverTest {

    @Test
    void aRoomOnADrainingNodeMovesToTheOtherAndBothPagesDecodeEachOtherThere() throws Exception {
        try (Mesh mesh = new Mesh()) {
            mesh.upWithTwoMediaNodes();
            int http0 = mesh.ports.get("media");
            int udp0 = Integer.parseInt(mesh.env.get("ICEMESH_MEDIA_UDP_PORT"));
            String room = "failover-" + UUID.randomUUID().toString().substring(0, 8);
            try (SfuPage a = SfuPage.join(mesh, room, "a", ""); SfuPage b = SfuPage.join(mesh, room, "b", "");
                    SfuPage c = SfuPage.join(mesh, room, "c", "")) {
                List<SfuPage> pages = List.of(a, b, c);
                awaitEveryPageDecodesTheOthers(pages, Duration.ofSeconds(90));
                int first = awaitAllOnOneNode(mesh, pages, http0, udp0);
                int second = 1 - first;
                assertServes(mesh, first == 0 ? "media" : "media-1", room);
                String session = (String) a.browser.js("return window.icemeshSession.sessionId");

                long pid = Long.parseLong(Files.readString(mesh.home.resolve("run")
                        .resolve(first == 0 ? "media.pid" : "media-1.pid")).trim());
                int beforeDrain = signalingLog(mesh, 0).size();
                long drainedAt = System.nanoTime();
                ProcessHandle.of(pid).orElseThrow().destroy(); // SIGTERM: the node drains

                awaitOnNode(pages, udp0 + 100 * second);
                System.out.printf("SFU room moved off a draining node: all three pages decoding again %d ms after "
                        + "SIGTERM%n", (System.nanoTime() - drainedAt) / 1_000_000);
                assertEquals(3.0, Mesh.mediaEndpoints(http0 + 100 * second),
                        "all pages are on node " + second + " now");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    long before = a.decodedByStream().getOrDefault(b.streamId(), 0L);
                    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                            a.decodedByStream().getOrDefault(b.streamId(), 0L) > before + 10);
                });
                // Only what signaling wrote since the SIGTERM: a move while the pages started has its own lines.
                String log = String.join("\n", signalingLog(mesh, beforeDrain));
                assertTrue(log.contains("moving room " + room + " from media node"), "signaling says why it moved");
                assertTrue(log.contains("(node-draining)"), "the cause is the drain");
                String secondNode = second == 0 ? "media-local" : "media-local-1";
                assertMonitorShowsTheMove(mesh, session, room, secondNode, "is draining (shutting down)");

                // The drained node comes back; then the node the room moved to crashes (SIGKILL): its announcements
                // stop, signaling takes it for gone and moves the room back.
                String drained = first == 0 ? "media" : "media-1";
                Mesh.Result restart = mesh.run(Mesh.LONG_MEDIA_DRAIN, "restart", drained);
                assertEquals(0, restart.exitCode(), restart.output());
                long survivor = Long.parseLong(Files.readString(mesh.home.resolve("run")
                        .resolve(second == 0 ? "media.pid" : "media-1.pid")).trim());
                int beforeCrash = signalingLog(mesh, 0).size();
                long crashedAt = System.nanoTime();
                ProcessHandle.of(survivor).orElseThrow().destroyForcibly();
                awaitOnNode(pages, udp0 + 100 * first);
                System.out.printf("SFU room moved off a crashed node: all three pages decoding again %d ms after "
                        + "SIGKILL at %s%n", (System.nanoTime() - crashedAt) / 1_000_000, java.time.Instant.now()
                        .minusNanos(System.nanoTime() - crashedAt));
                signalingLog(mesh, 0).stream()
                        .filter(l -> l.contains("moving room") || l.contains("moved from media node"))
                        .forEach(l -> System.out.println("signaling: " + l));
                // Found by the pages' stall reports with two pings (node-stalled), or by four pings alone
                // (node-unresponsive) if the reports came late.
                String signalingLog = String.join("\n", signalingLog(mesh, beforeCrash));
                boolean stalled = signalingLog.contains("(node-stalled)");
                assertTrue(stalled || signalingLog.contains("(node-unresponsive)"),
                        "the cause is the node's silence to the leader's pings");
                assertMonitorShowsTheMove(mesh, session, room, first == 0 ? "media-local" : "media-local-1",
                        stalled ? "stopped sending media and answering" : "stopped answering");
                assertServes(mesh, drained, room);
            }
        }
    }

    /**
     * The node all three pages are on, once one node has their three endpoints and the other none, and each page's
     * SFU connection goes to it. Awaited, not read once: on a loaded machine the leader may move the room while the
     * pages start (a page's stall report and two pings its node answered late), and a move ends the endpoints on one
     * node before it allocates them on the other. Such a move is printed with its cause.
     */
    private static int awaitAllOnOneNode(Mesh mesh, List<SfuPage> pages, int http0, int udp0) {
        int[] node = new int[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            double on0 = Mesh.mediaEndpoints(http0);
            double on1 = Mesh.mediaEndpoints(http0 + 100);
            assertTrue((on0 == 3 && on1 == 0) || (on0 == 0 && on1 == 3), "endpoints on node 0: " + on0
                    + ", on node 1: " + on1 + "; moves: " + moves(mesh));
            node[0] = on0 == 3 ? 0 : 1;
            for (SfuPage p : pages) {
                assertTrue(sfuSdp(p).contains(" " + (udp0 + 100 * node[0]) + " typ host"), () -> p.user
                        + " talks to node " + node[0] + ": " + p.diagnostics());
            }
        });
        awaitEveryPageDecodesTheOthers(pages, Duration.ofSeconds(60));
        String moves = moves(mesh);
        if (!moves.isEmpty()) {
            System.out.println("the room moved before the test drained its node: " + moves);
        }
        return node[0];
    }

    /** signaling's log lines from line {@code from} (0: all). */
    private static List<String> signalingLog(Mesh mesh, int from) throws java.io.IOException {
        List<String> lines = Files.readAllLines(mesh.home.resolve("logs").resolve("signaling.log"));
        return lines.subList(Math.min(from, lines.size()), lines.size());
    }

    /** signaling's log lines about moving a room, one per line. */
    private static String moves(Mesh mesh) {
        try {
            return String.join("\n", signalingLog(mesh, 0).stream().filter(l -> l.contains("moving room")).toList());
        } catch (java.io.IOException e) {
            return "(signaling.log: " + e + ")";
        }
    }

    /** Every page decodes both others (their streams by id) within {@code atMost}. */
    static void awaitEveryPageDecodesTheOthers(List<SfuPage> pages, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (SfuPage p : pages) {
                for (SfuPage other : pages) {
                    if (other != p) {
                        assertTrue(p.decodedByStream().getOrDefault(other.streamId(), 0L) > 0, () -> p.user
                                + " decodes " + other.user + ": " + p.diagnostics());
                    }
                }
            }
        });
    }

    /** Every page's SFU connection goes to the node on {@code udpPort}, and each decodes the others there. */
    private static void awaitOnNode(List<SfuPage> pages, int udpPort) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (SfuPage p : pages) {
                assertTrue(sfuSdp(p).contains(" " + udpPort + " typ host"), () -> p.user + " connected to the node"
                        + " on " + udpPort + ": " + p.diagnostics());
            }
        });
        awaitEveryPageDecodesTheOthers(pages, Duration.ofSeconds(60));
    }

    /** {@code ./icemesh status} lists the room with its three endpoints under the instance serving it. */
    private static void assertServes(Mesh mesh, String instance, String room) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Mesh.Result status = mesh.run("status");
            String[] lines = status.output().split("\n");
            boolean found = false;
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith(instance + " ") && lines[i + 1].contains("rooms: ")
                        && lines[i + 1].contains(room + " (3)")) {
                    found = true;
                }
            }
            assertTrue(found, instance + " serves " + room + " with 3 endpoints in ./icemesh status:\n"
                    + status.output());
        });
    }

    /** monitor: the room is on {@code node}, and the session's timeline has the move with its cause. */
    private static void assertMonitorShowsTheMove(Mesh mesh, String session, String room, String node, String cause) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var rooms = json.readTree(mesh.get("monitor", "/api/rooms").body());
            com.fasterxml.jackson.databind.JsonNode entry = null;
            for (var r : rooms) {
                if (room.equals(r.get("room").asText())) {
                    entry = r;
                }
            }
            assertTrue(entry != null && node.equals(entry.get("mediaNode").asText())
                    && entry.get("lastMove").asText().contains(cause), "monitor's /api/rooms: " + rooms);
            var timeline = json.readTree(mesh.get("monitor", "/api/sessions/" + session).body()).get("timeline");
            boolean moved = false;
            for (var e : timeline.get("entries")) {
                if ("media_moved".equals(e.get("type").asText()) && e.get("detail").asText().contains(cause)
                        && e.get("detail").asText().contains("the room moved to " + node)) {
                    moved = true;
                }
            }
            assertTrue(moved, "the session's timeline shows the move and why: " + timeline.get("entries"));
        });
    }

    /** The remote description of a page's SFU connection. */
    static String sfuSdp(SfuPage page) {
        Object sdp = page.browser.js("const l = window.icemeshClient.links.get('sfu');"
                + " return l && l.pc.remoteDescription ? l.pc.remoteDescription.sdp : ''");
        return sdp == null ? "" : sdp.toString();
    }
}
