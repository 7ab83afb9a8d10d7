package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.loadgen.LoadGen;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.ScriptTimeoutException;

/**
 * SFU rooms end to end on the mesh started by ./icemesh: Chromium pages join through the web client in SFU mode
 * (signaling places the room on media-service over Kafka and relays the SDP), and aiortc joins with
 * examples/aiortc/icemesh_client.py. "Decodes" means getStats framesDecoded rising for that publisher's stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SfuCallTest {

    /** Frames each subscriber must decode from each publisher after its first decoded frame: video keeps flowing. */
    private static final long MORE_FRAMES = 15;
    /** The machine runs other builds too: first frames through a fresh SFU connection may take a while. */
    private static final Duration FIRST_DECODE = Duration.ofSeconds(90);
    private static final Duration KEEPS_DECODING = Duration.ofSeconds(45);

    private Mesh mesh;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new Mesh();
        Mesh.Result up = mesh.upWithLoopbackRelay();
        assertEquals(0, up.exitCode(), "./icemesh up -d failed:\n" + up.output());
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    /**
     * The Java load generator (loadgen/, used by bench/sfu/loadgen-bench.sh) against media-service through
     * signaling: a publisher sending a libvpx clip and three subscribers, each a real ICE/DTLS/SRTP endpoint; every
     * subscriber receives whole frames and, together, what the publisher sent three times over.
     */
    @Test
    void theLoadGeneratorsSubscribersReceiveWhatItsPublisherSends() throws Exception {
        long mediaPid = Long.parseLong(Files.readString(mesh.home.resolve("run/media.pid")).trim());
        JsonNode r = LoadGen.run(LoadGenRuns.options("icemesh", "http://127.0.0.1:" + mesh.ports.get("signaling"), 3,
                mediaPid));
        LoadGenRuns.assertHealthy(r, 3);
        assertTrue(r.path("server_cores").asDouble() > 0, r.toString());
    }

    /**
     * Three pages join and each decodes both others; a fourth joins and all four decode the three others; one leaves:
     * its section goes inactive on the others' connections, its tile goes, and the three left keep decoding each
     * other.
     */
    @Test
    void threePagesDecodeEachOtherAFourthJoinsAndOneLeaves() throws Exception {
        String room = "sfu-" + UUID.randomUUID().toString().substring(0, 8);
        List<SfuPage> pages = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < 3; i++) {
                pages.add(SfuPage.join(mesh, room, "u" + i, false));
            }
            awaitEachDecodesEveryOther(pages);
            log("three pages decode each other", start);

            // The fourth is ready before its click: its connection to the SFU, made ahead, offers in its join.
            SfuPage fourth = SfuPage.joinPrepared(mesh, room, "u3");
            pages.add(fourth);
            assertEquals("sfu", fourth.browser.js("return window.icemeshClient.offeredTo"),
                    "signaling gave the join's offer to the SFU");
            assertEquals(true, fourth.browser.js("const m = window.icemeshMarks(); const link = window.icemeshClient"
                    + ".links.get('sfu'); return link.createdAt < m.click && m['offer-sent'] < m.joined"
                    + " && typeof link.offerInJoin === 'string'"),
                    "the connection made ahead carried the call: " + fourth.browser.js(
                            "return JSON.stringify(window.icemeshMarks())"));
            awaitEachDecodesEveryOther(pages);
            log("a fourth joined and all four decode each other", start);

            SfuPage leaver = pages.remove(1);
            Map<SfuPage, String> leaverMid = new HashMap<>();
            for (SfuPage page : pages) {
                leaverMid.put(page, page.inbound().stream().filter(in -> leaver.streamId().equals(in.streamId()))
                        .findFirst().orElseThrow(() -> new AssertionError(page.diagnostics())).mid());
            }
            leaver.leave();
            leaver.close();
            for (SfuPage page : pages) {
                awaitLeaverGone(page, leaver.streamId(), leaverMid.get(page));
            }
            awaitEachDecodesEveryOther(pages);
            log("one left and the three others keep decoding each other", start);
        } finally {
            for (SfuPage page : pages) {
                page.close();
            }
        }
    }

    /**
     * The web client's simulcast option and quality requests end to end: one page publishes its camera in three
     * layers ({@code ?simulcast=1}); one page asks for low quality and one for high with {@code setQuality} (the
     * set-quality message, signaling's SET_QUALITY command over Kafka, media-service's layer choice). Both decode the
     * simulcast publisher, at different widths, and the publisher decodes both of them.
     */
    @Test
    void aSimulcastPublisherIsDecodedAtTheQualityEachSubscriberAsksFor() throws Exception {
        String room = "sfu-simulcast-" + UUID.randomUUID().toString().substring(0, 8);
        List<SfuPage> pages = new ArrayList<>();
        long start = System.nanoTime();
        try {
            SfuPage publisher = SfuPage.join(mesh, room, "pub", "&simulcast=1");
            pages.add(publisher);
            SfuPage low = SfuPage.join(mesh, room, "low", false);
            pages.add(low);
            SfuPage high = SfuPage.join(mesh, room, "high", false);
            pages.add(high);
            low.browser.js("window.icemeshClient.setQuality('low')");
            high.browser.js("window.icemeshClient.setQuality('high')");
            awaitEachDecodesEveryOther(pages);
            String stream = publisher.streamId();
            try {
                await().atMost(KEEPS_DECODING).pollInterval(Duration.ofMillis(500)).until(() -> {
                    SfuPage.Inbound l = low.receiving(stream);
                    SfuPage.Inbound h = high.receiving(stream);
                    return l != null && h != null && l.framesDecoded() > 0 && l.frameWidth() > 0
                            && h.frameWidth() > l.frameWidth();
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the subscribers did not get different layers:\nlow " + low.inbound()
                        + "\nhigh " + high.inbound() + "\n" + publisher.diagnostics(), e);
            }
            System.out.printf("sfu simulcast: the low subscriber decodes %d px wide, the high one %d px%n",
                    low.receiving(stream).frameWidth(), high.receiving(stream).frameWidth());
            log("two subscribers decode a simulcast publisher at different widths", start);
        } finally {
            for (SfuPage page : pages) {
                page.close();
            }
        }
    }

    /** Three pages, the first with the web client's "force relay": its SFU connection runs through turn-service. */
    @Test
    void threePagesWithOneForcedToRelayThroughTurnServiceDecodeEachOther() throws Exception {
        String room = "sfu-relay-" + UUID.randomUUID().toString().substring(0, 8);
        double allocationsBefore = turnAllocations();
        List<SfuPage> pages = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < 3; i++) {
                pages.add(SfuPage.join(mesh, room, "r" + i, i == 0));
            }
            awaitEachDecodesEveryOther(pages);
            log("three pages, one relayed, decode each other", start);
            Map<String, Object> timeline = pages.get(0).timeline();
            assertEquals("relay", timeline.get("localType"), "force relay gives a relay pair to the SFU: " + timeline);
            assertTrue(turnAllocations() >= allocationsBefore + 1, "the relayed page allocated on turn-service");
            System.out.printf("sfu: relayed page's pair %s/%s over %s, rtt %s ms%n", timeline.get("localType"),
                    timeline.get("remoteType"), timeline.get("protocol"), timeline.get("rttMs"));
        } finally {
            for (SfuPage page : pages) {
                page.close();
            }
        }
    }

    @Test
    void anAiortcClientAndAChromiumPagePublishToEachOtherThroughTheSfu() throws Exception {
        String room = "sfu-aiortc-" + UUID.randomUUID().toString().substring(0, 8);
        long start = System.nanoTime();
        try (SfuPage page = SfuPage.join(mesh, room, "chromium", false);
                Aiortc client = Aiortc.start(mesh.root, mesh.ports.get("signaling"), "--mode", "sfu", "--room", room,
                        "--user", "aiortc", "--duration", "240")) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertNotNull(client.latest("offered"),
                    "aiortc offered to the SFU; stderr: " + client.stderr()));
            String aiortcStream = client.latest("offered").get("streamIds").get(0).asText();

            // aiortc publishes, Chromium decodes.
            awaitRising("chromium decodes aiortc's video", () -> page.decodedByStream().getOrDefault(aiortcStream, 0L),
                    () -> page.diagnostics() + "\naiortc stderr: " + client.stderr() + "\nmedia-service log:\n"
                            + mesh.logTail("media", 30));
            // Chromium publishes, aiortc decodes.
            awaitRising("aiortc decodes chromium's video", () -> aiortcFrames(client, page.streamId()),
                    () -> "aiortc: " + client.latest("received") + "\nstderr: " + client.stderr()
                            + "\nmedia-service log:\n" + mesh.logTail("media", 30));
            log("aiortc and chromium decode each other", start);

            JsonNode result = client.stop();
            JsonNode sfu = result.get("peers").get(0);
            assertEquals("sfu", sfu.get("peerId").asText(), "aiortc's one connection is to the SFU: " + result);
            assertTrue(sfu.get("firstFrameMs").isNumber(), result.toString());
            System.out.printf("aiortc in an SFU room: connected %s ms, first frame %s ms%n", sfu.get("connectedMs"),
                    sfu.get("firstFrameMs"));
        }
    }

    /** Every page decodes every other page's stream, and keeps decoding (MORE_FRAMES more each). */
    private void awaitEachDecodesEveryOther(List<SfuPage> pages) {
        for (SfuPage page : pages) {
            for (SfuPage other : pages) {
                if (other != page) {
                    awaitRising(page.user + " decodes " + other.user,
                            () -> page.decodedByStream().getOrDefault(other.streamId(), 0L),
                            () -> String.join("\n", pages.stream().map(SfuPage::diagnostics).toList())
                                    + "\nmedia-service log:\n" + mesh.logTail("media", 30));
                }
            }
        }
    }

    /** On a page that stays: the leaver's section is inactive and frozen, and no tile shows its stream any more. */
    private void awaitLeaverGone(SfuPage page, String leftStream, String mid) {
        try {
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptionsInstanceOf(ScriptTimeoutException.class).untilAsserted(() -> {
                SfuPage.Inbound in = section(page, mid);
                assertEquals("inactive", in.direction(), "the SFU's re-offer made the leaver's section inactive");
                assertEquals(null, in.streamId(), "the section no longer names the leaver's stream");
                assertTrue(in.muted(), "the leaver's track is muted");
                assertEquals(0, page.tilesShowing(leftStream), "no tile shows the leaver's stream");
            });
            long frozen = section(page, mid).framesDecoded();
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptionsInstanceOf(ScriptTimeoutException.class)
                    .until(() -> section(page, mid).framesDecoded() == frozen);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(page.user + ": the leaver's stream did not stop: " + page.diagnostics()
                    + "\nmedia-service log:\n" + mesh.logTail("media", 30), e);
        }
    }

    private static SfuPage.Inbound section(SfuPage page, String mid) {
        return page.inbound().stream().filter(in -> in.mid().equals(mid)).findFirst()
                .orElseThrow(() -> new AssertionError(page.user + " lacks section " + mid + ": " + page.diagnostics()));
    }

    /** Waits for a first decoded frame, then for MORE_FRAMES more. */
    private static void awaitRising(String what, java.util.concurrent.Callable<Long> frames,
            java.util.function.Supplier<String> diagnostics) {
        long[] first = new long[1];
        try {
            // A getStats that misses the script timeout on a starved page is asked again at the next poll.
            await().atMost(FIRST_DECODE).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptionsInstanceOf(ScriptTimeoutException.class)
                    .until(() -> (first[0] = frames.call()) > 0);
            await().atMost(KEEPS_DECODING).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptionsInstanceOf(ScriptTimeoutException.class)
                    .until(() -> frames.call() >= first[0] + MORE_FRAMES);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": failed (" + e.getMessage() + ")\n" + diagnostics.get(), e);
        }
    }

    private static long aiortcFrames(Aiortc client, String stream) {
        JsonNode line = client.latest("received");
        if (line == null) {
            return 0;
        }
        for (JsonNode r : line.get("received")) {
            if ("video".equals(r.get("kind").asText()) && stream.equals(r.get("streamId").asText(null))) {
                return r.get("frames").asLong();
            }
        }
        return 0;
    }

    private double turnAllocations() {
        Matcher m = Pattern.compile("(?m)^icemesh_turn_allocations_created_total(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(mesh.get("turn", "/q/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static void log(String what, long start) {
        System.out.printf("sfu: %s after %d ms%n", what, (System.nanoTime() - start) / 1_000_000);
    }
}
