package io.icemesh.media;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.testkit.Browser;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Loss between the SFU and a subscriber, with real Chromium on both ends: the subscriber page reaches the SFU only
 * through a {@link LossyUdpProxy} that drops 8 % of the RTP toward it. Its NACKs must be answered by the SFU from its
 * packet cache as RTX (the SFU's counters, and the page's own inbound-rtp nackCount and retransmittedPacketsReceived),
 * and the page must keep decoding. The same session shows the SFU's own RTCP at work in Chromium: the publisher page
 * has a round-trip time from the SFU's receiver reports, the subscriber page has remote-outbound-rtp from its sender
 * reports, the SFU measured round trips from the subscriber's receiver reports, and REMB flowed both ways.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SfuLossTest {

    private static final Logger LOG = Logger.getLogger(SfuLossTest.class);
    private static final String NODE = "media-test";
    private static final double DROP_SHARE = 0.08;
    /** Frames the subscriber must decode under loss after its first, at 15 fps about 6 s. */
    private static final long MORE_FRAMES = 90;

    @TestHTTPResource("/sfu-test.html")
    URL page;

    @Inject
    MediaNode node;

    @Test
    void subscriberBehindALossyLinkIsAnsweredFromTheSfuCacheAndKeepsDecoding() throws Exception {
        String room = "room-" + UUID.randomUUID();
        MediaMetrics metrics = node.metrics();
        long rtxBefore = metrics.rtxPacketsSent();
        long answeredBefore = metrics.nackPackets(MediaMetrics.NackOutcome.RETRANSMITTED);
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE);
                LossyUdpProxy proxy = new LossyUdpProxy(new InetSocketAddress("127.0.0.1", node.udpPort()), DROP_SHARE,
                        6);
                Browser publisher = new Browser();
                Browser subscriber = new Browser()) {
            Call call = connect(signaling, proxy, publisher, "ep-pub", subscriber, "ep-sub");
            Map<String, Browser> pages = call.pages();
            Map<String, UnaryOperator<String>> toPage = call.toPage();
            long baseline = framesDecoded(subscriber);
            LOG.infof("subscriber decodes through the lossy proxy; frames %d", baseline);
            try {
                await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    relayOffers(signaling, pages, toPage);
                    Map<String, Object> in = videoIn(subscriber);
                    return number(in, "framesDecoded") >= baseline + MORE_FRAMES && number(in, "nackCount") > 0
                            && number(in, "retransmittedPacketsReceived") > 0
                            && metrics.rtxPacketsSent() > rtxBefore;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no recovery under loss: subscriber " + videoIn(subscriber) + ", proxy dropped "
                        + proxy.rtpDropped() + " of " + proxy.rtpToClient() + "\n" + sfuMetrics(), e);
            }
            Map<String, Object> in = videoIn(subscriber);
            LOG.infof("under %.0f %% loss: subscriber %s; proxy dropped %d of %d RTP; SFU sent %d RTX", DROP_SHARE * 100,
                    in, proxy.rtpDropped(), proxy.rtpToClient(), metrics.rtxPacketsSent() - rtxBefore);
            assertTrue(proxy.rtpDropped() > 0, "the proxy dropped RTP toward the subscriber");
            assertTrue(metrics.nackPackets(MediaMetrics.NackOutcome.RETRANSMITTED) > answeredBefore,
                    "NACKed packets were answered from the SFU's cache");
            assertTrue(number(in, "retransmittedPacketsReceived") > 0,
                    "Chromium counted the SFU's RTX as retransmissions: " + in);

            // The SFU's own RTCP as Chromium sees it, and Chromium's answers to it.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Map<String, Object> remoteIn = stat(publisher, "remote-inbound-rtp", "video");
                assertTrue(remoteIn != null && remoteIn.get("roundTripTime") != null,
                        "the publisher has a round trip from the SFU's receiver reports: " + rtpStats(publisher));
                Map<String, Object> remoteOut = stat(subscriber, "remote-outbound-rtp", "video");
                assertTrue(remoteOut != null && number(remoteOut, "packetsSent") > 0,
                        "the subscriber has the SFU's sender report counts: " + rtpStats(subscriber));
                String m = sfuMetrics();
                assertTrue(metric(m, "icemesh_media_rtt_seconds_count") > 0,
                        "Chromium's receiver reports echoed the SFU's sender reports:\n" + m);
                assertTrue(metric(m, "icemesh_media_remb_received_total{direction=\"in\"}") > 0,
                        "the subscriber sent REMB (goog-remb and abs-send-time offered):\n" + m);
                assertTrue(metric(m, "icemesh_media_rtcp_reports_total{type=\"remb\"}") > 0, m);
                assertTrue(metric(m, "icemesh_media_forward_latency_seconds_count") > 0, m);
            });
            Map<String, Object> remoteOut = stat(subscriber, "remote-outbound-rtp", "video");
            Map<String, Object> outbound = stat(publisher, "outbound-rtp", "video");
            assertTrue(number(remoteOut, "packetsSent") <= number(outbound, "packetsSent") + 50,
                    "the SFU's sender report counts what it sent, at most what the publisher sent: " + remoteOut + " "
                            + outbound);
        }
    }

    /** The two pages of a call and how SDP toward each is rewritten (the subscriber's goes through the proxy). */
    private record Call(Map<String, Browser> pages, Map<String, UnaryOperator<String>> toPage) {
    }

    /**
     * Publisher straight to the SFU, subscriber through the proxy: both join, and the subscriber decodes a frame.
     */
    private Call connect(KafkaSignaling signaling, LossyUdpProxy proxy, Browser publisher, String pub,
            Browser subscriber, String sub) {
        publisher.driver.get(page.toString());
        subscriber.driver.get(page.toString());
        UnaryOperator<String> viaProxy = sdp -> viaProxy(sdp, node.udpPort(), proxy.clientPort());
        Call call = new Call(Map.of(pub, publisher, sub, subscriber),
                Map.of(pub, UnaryOperator.identity(), sub, viaProxy));
        join(signaling, publisher, pub, UnaryOperator.identity(), UnaryOperator.identity());
        // Without its own candidates the SFU can only learn the subscriber from checks, which come via the proxy.
        join(signaling, subscriber, sub, SfuLossTest::withoutCandidates, viaProxy);
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
            relayOffers(signaling, call.pages(), call.toPage());
            return framesDecoded(subscriber) > 0;
        });
        return call;
    }

    private static void join(KafkaSignaling signaling, Browser b, String ep, UnaryOperator<String> toSfu,
            UnaryOperator<String> toPage) {
        // Offer first: the idle timeout (10 s in the test profile) runs from ALLOCATE.
        String offer = (String) b.async("sfu.publish().then(arguments[0], e => arguments[0]('ERR ' + e))");
        assertTrue(offer.startsWith("v=0"), ep + " made no offer: " + offer);
        signaling.send(MediaCommandType.ALLOCATE, ep, null);
        signaling.take(ep, MediaReplyType.ALLOCATED, Duration.ofSeconds(30));
        signaling.send(MediaCommandType.OFFER, ep, toSfu.apply(offer));
        MediaReply answer = signaling.take(ep, MediaReplyType.ANSWER, Duration.ofSeconds(30));
        Object state = b.async("sfu.acceptAnswer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))",
                toPage.apply(answer.sdp()));
        assertEquals("stable", state, ep + " took the SFU's answer");
    }

    private static void relayOffers(KafkaSignaling signaling, Map<String, Browser> pages,
            Map<String, UnaryOperator<String>> toPage) {
        for (MediaReply offer : signaling.takeOffers()) {
            String sdp = toPage.get(offer.endpointId()).apply(offer.sdp());
            String answer = (String) pages.get(offer.endpointId()).async(
                    "sfu.answerOffer(arguments[0]).then(arguments[1], e => arguments[1]('ERR ' + e))", sdp);
            assertTrue(answer.startsWith("v=0"), offer.endpointId() + " could not answer: " + answer + "\n" + sdp);
            signaling.send(MediaCommandType.ANSWER, offer.endpointId(), answer);
        }
    }

    /** The SFU's candidates with its port replaced by the proxy's. */
    static String viaProxy(String sdp, int sfuPort, int proxyPort) {
        return sdp.lines().map(l -> l.startsWith("a=candidate:") ? l.replace(" " + sfuPort + " typ ", " " + proxyPort
                + " typ ") : l).collect(Collectors.joining("\r\n", "", "\r\n"));
    }

    /**
     * RFC 7675: a subscriber that keeps sending (RTCP, so it is not idle) but stops answering the SFU's consent checks
     * (the proxy drops its Binding success responses) is ended with reason consent-expired, and the SFU stops
     * sending to it.
     */
    @Test
    void aSubscriberThatStopsAnsweringConsentChecksIsEnded() throws Exception {
        String room = "room-" + UUID.randomUUID();
        try (KafkaSignaling signaling = new KafkaSignaling(room, NODE);
                LossyUdpProxy proxy = new LossyUdpProxy(new InetSocketAddress("127.0.0.1", node.udpPort()), 0, 7);
                Browser publisher = new Browser();
                Browser subscriber = new Browser()) {
            connect(signaling, proxy, publisher, "consent-pub", subscriber, "consent-sub");
            long rtcpBefore = node.metrics().rtcpPacketsIn();
            proxy.dropConsentResponses();
            MediaReply ended = signaling.take("consent-sub", MediaReplyType.ENDED, Duration.ofSeconds(30));
            assertEquals(MediaNode.CONSENT_EXPIRED, ended.reason(), "ended for lack of consent, not as idle");
            assertTrue(proxy.consentResponsesDropped() > 0);
            assertTrue(node.metrics().rtcpPacketsIn() > rtcpBefore, "the client kept sending RTCP meanwhile");
            assertTrue(node.rooms().find("consent-sub") == null, "the endpoint is gone");
            assertTrue(node.rooms().find("consent-pub") != null, "the publisher, which consents, stays");
            // and keeps staying past more than one consent timeout (8 s in the test profile): its answers renew it
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15))
                    .until(() -> node.rooms().find("consent-pub") != null);
            signaling.send(MediaCommandType.END, "consent-pub", null);
            signaling.take("consent-pub", MediaReplyType.ENDED, Duration.ofSeconds(30));
        }
    }

    static String withoutCandidates(String sdp) {
        return sdp.lines().filter(l -> !l.startsWith("a=candidate:") && !l.startsWith("a=end-of-candidates"))
                .collect(Collectors.joining("\r\n", "", "\r\n"));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rtpStats(Browser b) {
        return (List<Map<String, Object>>) b.async("sfu.rtpStats().then(arguments[0])");
    }

    private static Map<String, Object> stat(Browser b, String type, String kind) {
        return rtpStats(b).stream().filter(s -> type.equals(s.get("type")) && kind.equals(s.get("kind"))).findFirst()
                .orElse(null);
    }

    private static Map<String, Object> videoIn(Browser b) {
        Map<String, Object> s = stat(b, "inbound-rtp", "video");
        return s == null ? Map.of() : s;
    }

    private static long framesDecoded(Browser b) {
        return number(videoIn(b), "framesDecoded");
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static String sfuMetrics() {
        return io.restassured.RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("icemesh_media_") && !l.endsWith(" 0.0")).collect(Collectors.joining("\n"));
    }

    private static double metric(String body, String nameAndLabels) {
        return body.lines().filter(l -> l.startsWith(nameAndLabels + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
}
