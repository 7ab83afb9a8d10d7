package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.Browser;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * Clients on different signaling instances of one mesh ({@code ./icemesh up --scale signaling=3}): two Chromium pages
 * call each other through the web client; an SFU room's pages are on two instances; aiortc on one instance calls a
 * Chromium page on another, and aiortc's instance drains (SIGTERM) mid-call; a page's instance is killed (SIGKILL)
 * mid-call. After a drain or a kill the client resumes on another instance by itself while video keeps decoding.
 * The two tests that stop an instance each stop their own (instances 2 and 1), and run last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaledChromiumCallTest {

    private Mesh mesh;
    private int first;
    private int second;
    private int third;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new Mesh();
        Mesh.Result up = mesh.run(Map.of("ICEMESH_TURN_ALLOW_LOOPBACK_PEERS", "true"), "up", "-d", "--scale",
                "signaling=3");
        assertEquals(0, up.exitCode(), "./icemesh up -d --scale signaling=3 failed:\n" + up.output());
        first = mesh.ports.get("signaling");
        second = first + 100;
        third = first + 200;
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void pagesOnTwoInstancesCallEachOtherThroughTurnWhenRelayOnly() throws Exception {
        String room = "scaled-relay-" + UUID.randomUUID().toString().substring(0, 8);
        try (Browser a = new Browser(); Browser b = new Browser()) {
            open(a, first, room, "&relay=1");
            open(b, second, room, "&relay=1");
            for (Browser page : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(page.framesDecoded() > 0,
                        "page decodes the other's video; stats: " + page.js("return JSON.stringify(window.icemeshStats)")));
                assertEquals("relay", page.js("return Object.values(window.icemeshStats)[0].localType"));
            }
        }
    }

    @Test
    @Order(2)
    void anSfuRoomWhosePagesAreOnTwoInstancesForwardsEachToTheOther() throws Exception {
        String room = "scaled-sfu-" + UUID.randomUUID().toString().substring(0, 8);
        try (SfuPage a = SfuPage.join(first, room, "on-0", ""); SfuPage b = SfuPage.join(second, room, "on-1", "")) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertTrue(a.decodedByStream().getOrDefault(b.streamId(), 0L) > 0, () -> "a decodes b: " + a.diagnostics());
                assertTrue(b.decodedByStream().getOrDefault(a.streamId(), 0L) > 0, () -> "b decodes a: " + b.diagnostics());
            });
        }
    }

    @Test
    @Order(3)
    void aiortcOnOneInstanceCallsAPageOnAnotherAndResumesByItselfWhenItsInstanceDrains() throws Exception {
        String room = "scaled-drain-" + UUID.randomUUID().toString().substring(0, 8);
        try (Browser page = new Browser()) {
            open(page, first, room, "");
            await().atMost(Duration.ofSeconds(30)).until(() -> page.js("return window.icemeshSession") != null);
            // aiortc joins on instance 2 and lists instance 0 to resume on.
            try (Aiortc client = Aiortc.start(mesh.root, third, "--base", "http://127.0.0.1:" + third
                    + ",http://127.0.0.1:" + first, "--room", room, "--user", "aiortc", "--duration", "120")) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertTrue(page.framesDecoded() > 0, "Chromium decodes aiortc's video; aiortc stderr: "
                            + client.stderr());
                    assertTrue(aiortcFrames(client) > 0, "aiortc decodes Chromium's video: "
                            + client.latest("received") + "\n" + client.stderr());
                });
                long pid = Long.parseLong(Files.readString(mesh.home.resolve("run").resolve("signaling-2.pid")).trim());
                ProcessHandle instance = ProcessHandle.of(pid).orElseThrow();
                instance.destroy(); // SIGTERM: the instance drains
                instance.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertNotNull(client.latest("resumed"),
                        "aiortc resumed on instance 0 by itself; stderr:\n" + client.stderr()));
                long pageFrames = page.framesDecoded();
                long aiortcFrames = aiortcFrames(client);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertTrue(page.framesDecoded() > pageFrames + 30, "the page keeps decoding aiortc's video");
                    assertTrue(aiortcFrames(client) > aiortcFrames + 30, "aiortc keeps decoding the page's video");
                });
                assertEquals(1L, ((Number) page.js("return document.querySelectorAll('figure[data-peer]').length"))
                        .longValue(), "the page never saw aiortc leave (peer-left removes its tile)");
                assertTrue(client.stderr().contains("signaling connection lost"), client.stderr());
            }
            String log = Files.readString(mesh.home.resolve("logs").resolve("signaling-2.log"));
            assertTrue(log.contains("drained: "), "instance 2 drained its sockets on SIGTERM:\n" + tail(log));
        }
    }

    @Test
    @Order(4)
    void aPageWhoseInstanceIsKilledResumesOnTheOtherAndTheCallGoesOn() throws Exception {
        String room = "scaled-kill-" + UUID.randomUUID().toString().substring(0, 8);
        try (Browser a = new Browser(); Browser b = new Browser()) {
            open(a, first, room, "");
            open(b, second, room, "");
            for (Browser page : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(page.framesDecoded() > 0));
            }
            long pid = Long.parseLong(Files.readString(mesh.home.resolve("run").resolve("signaling-1.pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals(Boolean.TRUE, b.js("return window.icemeshClient.resumedOnce === true"),
                        "page b resumed its session");
                assertEquals("ws://127.0.0.1:" + first + "/ws", b.js("return window.icemeshClient.ws.url"),
                        "on the instance still alive");
            });
            long aFrames = a.framesDecoded();
            long bFrames = b.framesDecoded();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertTrue(a.framesDecoded() > aFrames + 30, "a keeps decoding b's video");
                assertTrue(b.framesDecoded() > bFrames + 30, "b keeps decoding a's video");
            });
            // Signaling still carries the call: an ICE restart from a reaches b, whose session moved instances.
            String ufrag = "return [...window.icemeshClient.links.values()][0].pc.localDescription.sdp"
                    + ".match(/a=ice-ufrag:(\\S+)/)[1]";
            String before = (String) a.js(ufrag);
            a.js("[...window.icemeshClient.links.values()][0].restart('test')");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertTrue(!before.equals(a.js(ufrag)), "the restart renegotiated through signaling");
                assertEquals("connected", b.js("return [...window.icemeshClient.links.values()][0].pc"
                        + ".iceConnectionState"));
            });
            assertEquals(1L, ((Number) a.js("return document.querySelectorAll('figure[data-peer]').length"))
                    .longValue(), "a never saw b leave (peer-left removes its tile)");
        }
    }

    /** Frames aiortc decoded so far from every remote video track, by its latest "received" line. */
    private static long aiortcFrames(Aiortc client) {
        com.fasterxml.jackson.databind.JsonNode line = client.latest("received");
        long frames = 0;
        if (line != null) {
            for (com.fasterxml.jackson.databind.JsonNode track : line.get("received")) {
                if ("video".equals(track.path("kind").asText())) {
                    frames += track.path("frames").asLong();
                }
            }
        }
        return frames;
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 3000));
    }

    /** Opens the web client on one instance, listing it and instance 0 or 1 (this one first), and joins. */
    private void open(Browser page, int port, String room, String extra) {
        int other = port == first ? second : first;
        page.driver.get("http://127.0.0.1:" + port + "/?room=" + room + extra + "&signaling=ws://127.0.0.1:" + port
                + "/ws,ws://127.0.0.1:" + other + "/ws");
        page.driver.findElement(By.id("join-button")).click();
    }
}
