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
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The SFU end to end: media-service driven purely over Kafka, headless Chromium pages each publishing their fake
 * camera, SDP relayed between the pages and Kafka as signaling would, and every page decoding every other page's
 * video through the SFU (getStats inbound-rtp framesDecoded rising per SSRC).
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SfuChromiumTest {

    private static final Logger LOG = Logger.getLogger(SfuChromiumTest.class);
    private static final String NODE = "media-test";
    private static final int PAGES = 3;
    /** Frames each page must decode from each other page after first decoding, to show video keeps flowing. */
    private static final long MORE_FRAMES = 15;

    @TestHTTPResource("/sfu-test.html")
    URL page;

    @jakarta.inject.Inject
    MediaNode node;

    @Test
    void threeChromiumPagesEachDecodeEveryOtherPagesVideoThroughTheSfu() throws Exception {
        String room = "room-" + UUID.randomUUID();
        List<Browser> browsers = new ArrayList<>();
        Map<String, Browser> byEndpoint = new HashMap<>();
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE); SessionEventLog events = new SessionEventLog(room)) {
            for (int i = 0; i < PAGES; i++) {
                Browser b = new Browser();
                browsers.add(b);
                b.driver.get(page.toString());
                byEndpoint.put("ep-" + i, b);
            }
            long start = System.nanoTime();
            for (int i = 0; i < PAGES; i++) {
                String ep = "ep-" + i;
                Browser b = byEndpoint.get(ep);
                // The page offers before the endpoint exists: on a loaded machine gathering can outlast the test
                // profile's 10 s idle timeout, which runs from ALLOCATE.
                SfuTestPages.join(signaling, ep, b, "{}");
            }
            Map<String, Map<String, Long>> firstDecoded = new HashMap<>();
            try {
                await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    relayOffers(signaling, byEndpoint);
                    return decodingFromAllOthers(byEndpoint, firstDecoded, 1);
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("pages did not all decode each other: " + diagnostics(byEndpoint, signaling), e);
            }
            LOG.infof("all %d pages decode each other's video %d ms after the first ALLOCATE", PAGES,
                    (System.nanoTime() - start) / 1_000_000);
            Map<String, Map<String, Long>> baseline = new HashMap<>(firstDecoded);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                relayOffers(signaling, byEndpoint);
                return framesRising(byEndpoint, baseline);
            });
            for (String ep : byEndpoint.keySet()) {
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    List<String> seen = events.events().stream().filter(e -> e.sessionId().equals(ep))
                            .map(e -> e.source() + " " + e.type() + " " + e.state()).toList();
                    for (String expected : List.of("MEDIA ICE_STATE_CHANGED connected", "MEDIA SELECTED_PAIR null",
                            "MEDIA ICE_STATE_CHANGED dtls-connected", "MEDIA FIRST_MEDIA rtp-in",
                            "MEDIA FIRST_MEDIA rtp-out")) {
                        assertTrue(seen.contains(expected), ep + " session events lack " + expected + ": " + seen);
                    }
                });
            }
            leaveAndRejoinReusesTheInactiveSection(signaling, byEndpoint);
            iceRestartMovesTheEndpointToANewAgentAndVideoKeepsFlowing(signaling, byEndpoint);
            String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
            assertTrue(metric(metrics, "icemesh_media_pli_sent_total{cause=\"subscriber-joined\"}") >= 1,
                    "a PLI went to publishers when subscribers joined");
            assertTrue(metric(metrics, "icemesh_media_rtp_packets_total{direction=\"out\"}") > 100,
                    "RTP was forwarded");
            // ep-3 joined a room whose publishers had sent for a while: they were asked for key frames when it was
            // placed, and it got the newest one from the cache with its first packets, not after its DTLS completed.
            assertTrue(metric(metrics, "icemesh_media_keyframes_replayed_total{kind=\"cache\"}") >= 1,
                    "a subscriber got a publisher's newest key frame from the cache: " + metricLines(metrics));
            assertTrue(metric(metrics, "icemesh_media_ice_outcomes_total{outcome=\"connected\"}") >= PAGES);
        } finally {
            for (Browser b : browsers) {
                b.close();
            }
        }
    }

    /**
     * ep-2 ends: the others get an offer that makes its section inactive. Its browser reloads and joins as ep-3:
     * the others get an offer that reuses that section (no new m-line) and decode the new publisher.
     */
    private void leaveAndRejoinReusesTheInactiveSection(KafkaSignaling signaling, Map<String, Browser> pages) {
        Browser leaving = pages.remove("ep-2");
        Map<String, Integer> sectionsBefore = new HashMap<>();
        signaling.send(MediaCommandType.END, "ep-2", null);
        assertEquals("requested", signaling.take("ep-2", MediaReplyType.ENDED, Duration.ofSeconds(30)).reason());
        for (String ep : pages.keySet()) {
            MediaReply offer = signaling.take(ep, MediaReplyType.OFFER, Duration.ofSeconds(30));
            assertTrue(offer.sdp().contains("a=inactive"), ep + " gets an offer with the left track's section inactive");
            sectionsBefore.put(ep, sections(offer.sdp()));
            answerInPage(signaling, pages.get(ep), offer);
        }
        Map<String, java.util.Set<String>> known = new HashMap<>();
        pages.forEach((ep, b) -> known.put(ep, decoded(b).keySet()));

        leaving.driver.get(page.toString());
        pages.put("ep-3", leaving);
        SfuTestPages.join(signaling, "ep-3", leaving, "{}");
        for (String ep : List.of("ep-0", "ep-1")) {
            MediaReply reuse = signaling.take(ep, MediaReplyType.OFFER, Duration.ofSeconds(30));
            assertEquals(sectionsBefore.get(ep), sections(reuse.sdp()),
                    ep + ": the new publisher reuses the inactive section instead of adding one");
            answerInPage(signaling, pages.get(ep), reuse);
        }
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
            relayOffers(signaling, pages);
            for (String ep : List.of("ep-0", "ep-1")) {
                Map<String, Long> d = decoded(pages.get(ep));
                boolean fromNew = d.entrySet().stream().anyMatch(e -> !known.get(ep).contains(e.getKey())
                        && e.getValue() > 0);
                if (!fromNew) {
                    return false;
                }
            }
            return decoded(pages.get("ep-3")).values().stream().filter(f -> f > 0).count() >= 2;
        });
    }

    /**
     * ep-0 asks for an ICE restart: the SFU offers a new ufrag, the page answers with its own new one, a new ice4j
     * agent connects and replaces the old one, and ep-0 keeps decoding both others (DTLS and SRTP carry on).
     */
    private void iceRestartMovesTheEndpointToANewAgentAndVideoKeepsFlowing(KafkaSignaling signaling,
            Map<String, Browser> pages) {
        io.icemesh.media.endpoint.Endpoint ep0 = node.rooms().find("ep-0");
        io.icemesh.media.ice.IceSession before = ep0.transport().ice();
        String oldUfrag = before.localUfrag();
        double restartedBefore = metric(io.restassured.RestAssured.get("/q/metrics").asString(),
                "icemesh_media_ice_outcomes_total{outcome=\"restarted\"}");
        Map<String, Long> framesBefore = decoded(pages.get("ep-0"));
        signaling.send(MediaCommandType.ICE_RESTART, "ep-0", null);
        MediaReply offer = signaling.take("ep-0", MediaReplyType.OFFER, Duration.ofSeconds(30));
        String newUfrag = offer.sdp().lines().filter(l -> l.startsWith("a=ice-ufrag:")).findFirst().orElseThrow()
                .substring("a=ice-ufrag:".length());
        assertTrue(!newUfrag.equals(oldUfrag), "a restart offer carries a new ufrag");
        answerInPage(signaling, pages.get("ep-0"), offer);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertTrue(ep0.transport().restartingIce() == null && ep0.transport().ice() != before,
                    "the restarted agent connected and replaced the old one");
            assertEquals(newUfrag, ep0.transport().ice().localUfrag());
        });
        assertEquals(restartedBefore + 1, metric(io.restassured.RestAssured.get("/q/metrics").asString(),
                "icemesh_media_ice_outcomes_total{outcome=\"restarted\"}"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            relayOffers(signaling, pages);
            Map<String, Long> now = decoded(pages.get("ep-0"));
            return framesBefore.entrySet().stream().filter(e -> e.getValue() > 0
                    && now.getOrDefault(e.getKey(), 0L) >= e.getValue() + MORE_FRAMES).count() >= 2;
        });
    }

    private static int sections(String sdp) {
        return (int) sdp.lines().filter(l -> l.startsWith("m=")).count();
    }

    private static void answerInPage(KafkaSignaling signaling, Browser b, MediaReply offer) {
        String answer = (String) b.async("sfu.answerOffer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))",
                offer.sdp());
        assertTrue(answer.startsWith("v=0"), offer.endpointId() + " could not answer: " + answer);
        signaling.send(MediaCommandType.ANSWER, offer.endpointId(), answer);
    }

    private static double metric(String body, String nameAndLabels) {
        return body.lines().filter(l -> l.startsWith(nameAndLabels + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    private static String diagnostics(Map<String, Browser> pages, KafkaSignaling signaling) {
        StringBuilder sb = new StringBuilder();
        pages.forEach((ep, b) -> sb.append('\n').append(ep).append(' ').append(b.js("return sfu.state()")).append(' ')
                .append(decoded(b)));
        sb.append("\nunhandled replies: ").append(signaling.pending().stream().map(r -> r.type() + " " + r.endpointId()
                + " " + r.reason()).toList());
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        metrics.lines().filter(l -> l.startsWith("icemesh_media_") && !l.endsWith(" 0.0")).forEach(l -> sb.append("\n").append(l));
        return sb.toString();
    }

    /** Answers the SFU's renegotiation offers in the pages, in order, and sends the answers back. */
    private static void relayOffers(KafkaSignaling signaling, Map<String, Browser> pages) {
        for (MediaReply offer : signaling.takeOffers()) {
            Browser b = pages.get(offer.endpointId());
            String answer = (String) b.async("sfu.answerOffer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))",
                    offer.sdp());
            assertTrue(answer.startsWith("v=0"), offer.endpointId() + " could not answer the SFU's offer: " + answer
                    + "\n" + offer.sdp());
            signaling.send(MediaCommandType.ANSWER, offer.endpointId(), answer);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> decoded(Browser b) {
        Map<String, Object> raw = (Map<String, Object>) b.async("sfu.decoded().then(arguments[0])");
        Map<String, Long> out = new HashMap<>();
        raw.forEach((k, v) -> out.put(k, ((Number) v).longValue()));
        return out;
    }

    private static boolean decodingFromAllOthers(Map<String, Browser> pages, Map<String, Map<String, Long>> record,
            long atLeast) {
        boolean all = true;
        for (Map.Entry<String, Browser> e : pages.entrySet()) {
            Map<String, Long> d = decoded(e.getValue());
            record.put(e.getKey(), d);
            long sources = d.values().stream().filter(f -> f >= atLeast).count();
            if (sources < pages.size() - 1) {
                all = false;
            }
        }
        return all;
    }

    private static boolean framesRising(Map<String, Browser> pages, Map<String, Map<String, Long>> baseline) {
        for (Map.Entry<String, Browser> e : pages.entrySet()) {
            Map<String, Long> now = decoded(e.getValue());
            long rising = baseline.get(e.getKey()).entrySet().stream()
                    .filter(b -> b.getValue() > 0 && now.getOrDefault(b.getKey(), 0L) >= b.getValue() + MORE_FRAMES)
                    .count();
            if (rising < pages.size() - 1) {
                return false;
            }
        }
        return true;
    }

    private static String metricLines(String metrics) {
        return String.join("\n", metrics.lines().filter(l -> l.startsWith("icemesh_media_pli")
                || l.startsWith("icemesh_media_keyframes")).toList());
    }
}
