package io.icemesh.media;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.testkit.Browser;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A client joining a room that already has publishers offers receive sections in its first offer, and media-service's
 * answer fills them with the room's tracks: the joiner decodes everyone after one offer/answer exchange, without an
 * SFU offer (what saves a round trip through signaling and Kafka on the way to the first frame).
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SfuJoinChromiumTest {

    private static final String NODE = "media-test";

    @TestHTTPResource("/sfu-test.html")
    URL page;

    @Test
    void aJoinersReceiveSectionsCarryTheRoomsTracksInTheFirstAnswer() throws Exception {
        String room = "room-" + UUID.randomUUID();
        List<Browser> browsers = new ArrayList<>();
        Map<String, Browser> pages = new HashMap<>();
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE)) {
            for (String ep : List.of("a", "b", "joiner")) {
                Browser b = new Browser();
                browsers.add(b);
                b.driver.get(page.toString());
                pages.put(ep, b);
            }
            SfuTestPages.join(signaling, "a", pages.get("a"), "{}");
            SfuTestPages.join(signaling, "b", pages.get("b"), "{}");
            // a and b see each other through the SFU's offers, as before.
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
                relayOffers(signaling, pages);
                return decodingSources(pages.get("a")) == 1 && decodingSources(pages.get("b")) == 1;
            });

            double atConnectBefore = replayedAtConnect();
            MediaReply answer = SfuTestPages.join(signaling, "joiner", pages.get("joiner"), "{receive: 3}");
            List<String> sections = List.of(answer.sdp().split("\r\nm="));
            long sending = sections.stream().filter(sct -> sct.contains("\r\na=sendonly") && sct.contains("a=ssrc:"))
                    .count();
            assertEquals(2, sending, "the answer sends a's and b's video in two of the three offered sections:\n"
                    + answer.sdp());
            assertTrue(sections.stream().anyMatch(sct -> sct.startsWith("video") && sct.contains("\r\na=inactive")),
                    "the third stays inactive for later:\n" + answer.sdp());
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
                relayOffers(signaling, pages);
                return decodingSources(pages.get("joiner")) == 2;
            });
            assertTrue(signaling.pending().stream().noneMatch(r -> r.endpointId().equals("joiner")),
                    "the joiner got no SFU offer: " + signaling.pending());
            // a and b had sent for a while (and were asked for key frames when the joiner was placed): the joiner got
            // their newest key frames from the cache the moment its DTLS completed, not with its first live packets.
            assertTrue(replayedAtConnect() > atConnectBefore, "a key frame went to the joiner at connect: "
                    + io.restassured.RestAssured.get("/q/metrics").asString().lines()
                            .filter(l -> l.startsWith("icemesh_media_keyframes") || l.startsWith("icemesh_media_pli"))
                            .toList());
            // a and b still get the joiner's track by the SFU's offers, and decode it.
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
                relayOffers(signaling, pages);
                return decodingSources(pages.get("a")) == 2 && decodingSources(pages.get("b")) == 2;
            });
        } finally {
            for (Browser b : browsers) {
                b.close();
            }
        }
    }

    /** Key frames sent from the cache to subscribers the moment their DTLS completed, so far on this node. */
    private static double replayedAtConnect() {
        String name = "icemesh_media_keyframes_replayed_total{kind=\"connect\"} ";
        return io.restassured.RestAssured.get("/q/metrics").asString().lines().filter(l -> l.startsWith(name))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length()))).findFirst().orElse(0);
    }

    /**
     * A client whose copy of the SFU's answer is slow to arrive (a loaded signaling path, a slow page) checks late:
     * the endpoint must wait for its checks (up to the connect timeout, or the idle timeout, 10 s in tests; the page
     * is held back 6.5 s, leaving it the rest to connect) instead of ending with ice-failed 5 s after the offer, when ice4j gave up on the SFU's own checks to the candidates in
     * the offer (which cannot succeed before the client has checked).
     */
    @Test
    void aClientThatGetsTheAnswerLateStillConnects() throws Exception {
        String room = "room-" + UUID.randomUUID();
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE); Browser b = new Browser()) {
            b.driver.get(page.toString());
            String offer = (String) b.async("sfu.publish({}).then(arguments[0], e => arguments[0]('ERR ' + e))");
            assertTrue(offer.startsWith("v=0") && offer.contains("a=candidate:"), "an offer with candidates: " + offer);
            signaling.send(MediaCommandType.ALLOCATE, "late", null);
            signaling.take("late", MediaReplyType.ALLOCATED, Duration.ofSeconds(30));
            signaling.send(MediaCommandType.OFFER, "late", offer);
            MediaReply answer = signaling.take("late", MediaReplyType.ANSWER, Duration.ofSeconds(30));
            // The page has not got the answer yet, so it sends no check; the endpoint must not end meanwhile.
            await().during(Duration.ofMillis(6_500)).atMost(Duration.ofMillis(7_500)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertTrue(signaling.pending().stream().noneMatch(r -> r.endpointId()
                            .equals("late") && r.type() == MediaReplyType.ENDED), "ended: " + signaling.pending()));
            Object state = b.async("sfu.acceptAnswer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))",
                    answer.sdp());
            assertEquals("stable", state, "the page took the SFU's answer");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertTrue(((String) b.js("return sfu.state()")).startsWith("connected/"),
                            "the page connects: " + b.js("return sfu.state()") + ", replies " + signaling.pending()));
            assertTrue(signaling.pending().stream().noneMatch(r -> r.endpointId().equals("late")
                    && r.type() == MediaReplyType.ENDED), "the SFU did not end it: " + signaling.pending());
            signaling.send(MediaCommandType.END, "late", null);
        }
    }

    /** Answers SFU offers; the joiner must not get any. */
    private static void relayOffers(KafkaSignaling signaling, Map<String, Browser> pages) {
        assertTrue(signaling.pending().stream().noneMatch(r -> r.type() == MediaReplyType.OFFER
                && r.endpointId().equals("joiner")), "the joiner got an SFU offer: " + signaling.pending());
        SfuTestPages.relayOffers(signaling, pages);
    }

    /** How many received video streams the page decodes frames of. */
    @SuppressWarnings("unchecked")
    private static long decodingSources(Browser b) {
        Map<String, Object> raw = (Map<String, Object>) b.async("sfu.decoded().then(arguments[0])");
        return raw.values().stream().filter(v -> ((Number) v).longValue() > 0).count();
    }
}
