package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.Browser;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * Two Chromium pages on two signaling instances (./icemesh up --scale signaling=2) call each other through the web
 * client; the instance of one page is killed mid-call and the page resumes on the other while video keeps decoding.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaledChromiumCallTest {

    private Mesh mesh;
    private int first;
    private int second;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new Mesh();
        Mesh.Result up = mesh.run(Map.of("ICEMESH_TURN_ALLOW_LOOPBACK_PEERS", "true"), "up", "-d", "--scale",
                "signaling=2");
        assertEquals(0, up.exitCode(), "./icemesh up -d --scale signaling=2 failed:\n" + up.output());
        first = mesh.ports.get("signaling");
        second = first + 100;
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
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

    /** Opens the web client on one instance, listing both instances (this one first), and joins. */
    private void open(Browser page, int port, String room, String extra) {
        int other = port == first ? second : first;
        page.driver.get("http://127.0.0.1:" + port + "/?room=" + room + extra + "&signaling=ws://127.0.0.1:" + port
                + "/ws,ws://127.0.0.1:" + other + "/ws");
        page.driver.findElement(By.id("join-button")).click();
    }
}
