package io.icemesh.media;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.media.track.Layer;
import io.icemesh.media.track.Track;
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
 * Simulcast end to end: a Chromium page publishes its fake camera at 1280x720 in three rid layers (q, h, f); two
 * receive-only Chromium pages subscribe, one asking for low quality and one for high (SET_QUALITY over Kafka, as
 * signaling sends it). Each gets one stream on the SFU's own SSRC, and they decode different frame widths; then the
 * low one asks for high and is switched up to a wider layer at a key frame, and the high one asks for low and is
 * switched down; Chromium's own freeze counter does not move while their frames keep being decoded.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SimulcastChromiumTest {

    private static final Logger LOG = Logger.getLogger(SimulcastChromiumTest.class);
    private static final String NODE = "media-test";
    /** Frames a subscriber must decode after a change, to show video keeps flowing. */
    private static final long MORE_FRAMES = 30;
    /** How long the publisher must have sent every layer unlimited before a switch is judged. */
    private static final Duration STEADY = Duration.ofSeconds(1);

    @TestHTTPResource("/sfu-test.html")
    URL page;

    @jakarta.inject.Inject
    MediaNode node;

    @Test
    void twoSubscribersDecodeDifferentLayersAndASwitchDoesNotFreeze() throws Exception {
        String room = "room-" + UUID.randomUUID();
        Map<String, Browser> pages = new HashMap<>();
        List<Browser> browsers = new ArrayList<>();
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE)) {
            for (String ep : List.of("pub", "low", "high")) {
                Browser b = new Browser();
                browsers.add(b);
                b.driver.get(page.toString());
                pages.put(ep, b);
            }
            MediaReply pubAnswer = SfuTestPages.join(signaling, "pub", pages.get("pub"), "{simulcast: true}");
            assertTrue(pubAnswer.sdp().contains("a=simulcast:recv q;h;f"),
                    "the SFU's answer takes the three layers:\n" + pubAnswer.sdp());
            SfuTestPages.join(signaling, "low", pages.get("low"), "{receiveOnly: true}");
            signaling.setQuality("low", "low", null);
            SfuTestPages.join(signaling, "high", pages.get("high"), "{receiveOnly: true}");
            signaling.setQuality("high", "high", null);

            Track track = node.rooms().find("pub").publications().tracks().get(0);
            assertTrue(track.isSimulcast());
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    SfuTestPages.relayOffers(signaling, pages);
                    Map<String, Object> low = video(pages.get("low"));
                    Map<String, Object> high = video(pages.get("high"));
                    return frames(low) >= 10 && frames(high) >= 10 && width(low) > 0 && width(high) > width(low);
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("subscribers did not decode different layers: " + diagnostics(pages, track), e);
            }
            Map<String, Object> low = video(pages.get("low"));
            Map<String, Object> high = video(pages.get("high"));
            LOG.infof("low subscriber decodes %d px wide, high %d px; layers %s", width(low), width(high),
                    java.util.Arrays.toString(track.layers()));
            assertEquals(track.ssrc() & 0xFFFFFFFFL, Long.parseLong(ssrc(low)),
                    "the subscriber receives the SFU's SSRC for the track, whatever the layer");
            assertEquals(ssrc(low), ssrc(high));
            long learnt = java.util.Arrays.stream(track.layers()).filter(l -> l.ssrc() != 0).count();
            assertTrue(learnt >= 2, "the SFU learnt the layers' SSRCs from rid: " + java.util.Arrays.toString(track.layers()));
            Layer lowest = track.layers()[0];
            assertEquals(lowest.width(), width(low), "the low subscriber gets layer q");

            // The low subscriber asks for high: it switches up at a key frame of a wider layer (720p when the
            // publisher sends it by then: a key frame paced out over a few hundred ms, held back until complete),
            // without a freeze; then the high one asks for low and switches down, without a freeze either.
            // Its switch up is judged once it has sent the SFU a bandwidth estimate (Chromium's first REMB comes a few
            // seconds after it starts receiving): on q that estimate stays near 1.5 x 150 kbit/s, and must not keep
            // it from the layer it asks for.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                SfuTestPages.relayOffers(signaling, pages);
                return node.rooms().find("low").streams().rembEstimate(System.nanoTime(), Long.MAX_VALUE) >= 0;
            });
            double switchesBefore = metric("icemesh_media_simulcast_switches_total");
            switchWithoutFreeze(signaling, pages, "low", "high", true);
            int widest = java.util.Arrays.stream(track.layers()).mapToInt(Layer::width).max().orElse(0);
            assertEquals(widest, width(video(pages.get("low"))),
                    "asked for high, the former low subscriber gets the widest layer, whatever its estimate");
            switchWithoutFreeze(signaling, pages, "high", "low", false);
            assertTrue(metric("icemesh_media_simulcast_switches_total") >= switchesBefore + 2);
            // On loopback nothing is lost: only the SFU's REMB and receiver reports feed the publisher's estimate,
            // and they must never make it stop a layer it had started (the second receiver report once did).
            assertEquals(List.of(), pages.get("pub").js("return sfu.layerPauses"),
                    "the publisher paused no layer for bandwidth once it was sending");
            assertEquals(lowest.width(), width(video(pages.get("high"))), "the former high subscriber gets layer q");
        } finally {
            for (Browser b : browsers) {
                b.close();
            }
        }
    }

    /**
     * Asks for a quality and waits until the page decodes a wider (or narrower) layer and then {@link #MORE_FRAMES}
     * more frames; Chromium's own freeze counter (a frame shown for more than three times the average frame
     * duration, or 150 ms more) must not move across the switch.
     */
    private static void switchWithoutFreeze(KafkaSignaling signaling, Map<String, Browser> pages, String ep,
            String quality, boolean up) {
        awaitSteadyPublisher(signaling, pages);
        Map<String, Object> before = video(pages.get(ep));
        int widthBefore = width(before);
        signaling.setQuality(ep, quality, null);
        long[] switchedAt = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            SfuTestPages.relayOffers(signaling, pages);
            Map<String, Object> now = video(pages.get(ep));
            boolean switched = up ? width(now) > widthBefore : width(now) > 0 && width(now) < widthBefore;
            if (switched && switchedAt[0] < 0) {
                switchedAt[0] = frames(now);
            }
            return switchedAt[0] >= 0 && frames(now) >= switchedAt[0] + MORE_FRAMES;
        });
        Map<String, Object> after = video(pages.get(ep));
        LOG.infof("%s asked for %s: %d px wide -> %d px, freezes %d -> %d; shown frames' gaps of 200 ms or more %s",
                ep, quality, widthBefore, width(after), number(before, "freezeCount"), number(after, "freezeCount"),
                pages.get(ep).js("return sfu.showGaps(200)"));
        assertEquals(number(before, "freezeCount"), number(after, "freezeCount"),
                ep + ": Chromium counted no freeze across the switch to " + quality + ": before " + before + "\nafter "
                        + after + "\npublisher " + pages.get("pub").async("sfu.videoOut().then(arguments[0])")
                        + "\nshown frames' gaps of 150 ms or more " + pages.get(ep).js("return sfu.showGaps(150)")
                        + "\n" + metricLines("pli", "simulcast"));
    }



    /**
     * Waits until the publisher has sent all three layers, none of them limited, for {@link #STEADY} on end: layer f
     * starts only once Chromium's estimate carries it (and a CPU-starved encoder may scale it), and a switch is judged
     * on a publisher that sends every layer.
     */
    @SuppressWarnings("unchecked")
    private static void awaitSteadyPublisher(KafkaSignaling signaling, Map<String, Browser> pages) {
        long[] steadySince = {-1};
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                SfuTestPages.relayOffers(signaling, pages);
                Map<String, Object> out = (Map<String, Object>) pages.get("pub").async("sfu.videoOut().then(arguments[0])");
                boolean steady = List.of("q", "h", "f").stream().allMatch(rid -> {
                    Map<String, Object> layer = (Map<String, Object>) out.get(rid);
                    return layer != null && "none".equals(layer.get("qualityLimitationReason"))
                            && number(layer, "targetBitrate") > 0 && number(layer, "frameWidth") > 0;
                });
                long now = System.nanoTime();
                if (!steady) {
                    steadySince[0] = -1;
                } else if (steadySince[0] < 0) {
                    steadySince[0] = now;
                }
                return steadySince[0] >= 0 && now - steadySince[0] >= STEADY.toNanos();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the publisher never sent its three layers unlimited for " + STEADY + ": "
                    + pages.get("pub").async("sfu.videoOut().then(arguments[0])"), e);
        }
    }

    /** The one inbound video stream of a receive-only page: its SSRC and stats, or an empty map. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> video(Browser b) {
        Map<String, Object> all = (Map<String, Object>) b.async("sfu.videoIn().then(arguments[0])");
        if (all.isEmpty()) {
            return Map.of();
        }
        assertEquals(1, all.size(), "one inbound video stream: " + all);
        Map.Entry<String, Object> e = all.entrySet().iterator().next();
        Map<String, Object> out = new HashMap<>((Map<String, Object>) e.getValue());
        out.put("ssrc", e.getKey());
        return out;
    }

    private static long frames(Map<String, Object> v) {
        return number(v, "framesDecoded");
    }

    private static int width(Map<String, Object> v) {
        return (int) number(v, "frameWidth");
    }

    private static String ssrc(Map<String, Object> v) {
        assertNotNull(v.get("ssrc"));
        return (String) v.get("ssrc");
    }

    private static long number(Map<String, Object> v, String key) {
        Object o = v.get(key);
        return o == null ? 0 : ((Number) o).longValue();
    }

    private static double metric(String name) {
        return io.restassured.RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The service's icemesh_media_ metric lines whose name contains one of {@code parts}. */
    private static String metricLines(String... parts) {
        return io.restassured.RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("icemesh_media_") && java.util.Arrays.stream(parts).anyMatch(l::contains))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    private String diagnostics(Map<String, Browser> pages, Track track) {
        StringBuilder sb = new StringBuilder();
        sb.append("\nlayers ").append(java.util.Arrays.toString(track.layers()));
        for (Layer l : track.layers()) {
            sb.append("\n ").append(l.rid()).append(" width ").append(l.width()).append(" bps ").append(l.bitrateBps());
        }
        sb.append("\npublisher sends ").append(pages.get("pub").async("sfu.videoOut().then(arguments[0])"));
        for (String ep : List.of("low", "high")) {
            sb.append('\n').append(ep).append(' ').append(pages.get(ep).js("return sfu.state()")).append(' ')
                    .append(pages.get(ep).async("sfu.videoIn().then(arguments[0])"));
        }
        io.restassured.RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("icemesh_media_") && !l.endsWith(" 0.0")).forEach(l -> sb.append("\n").append(l));
        return sb.toString();
    }
}
