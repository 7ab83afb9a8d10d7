package io.icemesh.media;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
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
