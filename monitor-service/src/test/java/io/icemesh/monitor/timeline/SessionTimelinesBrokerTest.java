package io.icemesh.monitor.timeline;

import static io.restassured.RestAssured.get;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.monitor.EventProducer;
import io.icemesh.monitor.MetricsScrape;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Realistic session streams through the real broker: a healthy host call, a relay call, a session whose gathering
 * waited 5 s on a STUN server that never answers, and a failed session whose TURN allocation got 401 (the 401
 * arriving before the session's own events). Checks the histograms on /q/metrics and the diagnosis on the REST API.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class SessionTimelinesBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CONNECTED = "icemesh_monitor_time_to_connected_seconds";
    private static final String GATHERING = "icemesh_monitor_gathering_duration_seconds";
    private static final String FIRST_MEDIA = "icemesh_monitor_time_to_first_media_seconds";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final long t0 = System.currentTimeMillis();

    @Test
    void joinsFourRealisticSessionsIntoHistogramsAndDiagnoses() {
        String deadStun = ConfigProvider.getConfig().getValue(MonitorTestEnvironment.PROBE_SERVERS, String.class);
        String turnUrl = "turn:127.0.0.1:3478?transport=udp";
        String host = "host-" + run;
        String relay = "relay-" + run;
        String slow = "slow-" + run;
        String refused = "refused-" + run;
        MetricsScrape before = MetricsScrape.now();

        try (EventProducer kafka = new EventProducer()) {
            // A TURN 401 arrives first (turn-events, keyed by session id as turn-service keys it). A refusal proves
            // no session, so it makes no timeline: it is held until the session's own events (below) make one, and
            // then joins it through the TURN REST username, before the session fails.
            kafka.send(Topics.TURN_EVENTS, refused, turn(TurnEventType.AUTH_FAILED, null, refused,
                    "Unauthorized: integrity check failed"));
            await().atMost(WAIT).untilAsserted(() -> {
                MetricsScrape now = MetricsScrape.now();
                assertDelta(before, now, 1, "icemesh_monitor_turn_events_total", "type", "auth_failed");
                assertTrue(now.value("icemesh_monitor_turn_refusals_held") >= 1, "the 401 is held for its session");
            });
            get("/api/sessions/" + refused).then().statusCode(404);

            send(kafka, host, ev(host, SessionEventType.GATHERING_STARTED, 0),
                    ev(host, SessionEventType.CANDIDATE_GATHERED, 1).candidateType("host").protocol("udp"),
                    ev(host, SessionEventType.GATHERING_COMPLETE, 2),
                    ev(host, SessionEventType.ICE_STATE_CHANGED, 60).state("connected"),
                    ev(host, SessionEventType.SELECTED_PAIR, 61).localCandidateType("host")
                            .remoteCandidateType("host").protocol("udp").rttMs(0.3),
                    ev(host, SessionEventType.FIRST_MEDIA, 110));
            kafka.send(Topics.TURN_EVENTS, "alloc-" + relay, turn(TurnEventType.ALLOCATION_CREATED, "alloc-" + relay,
                    relay, null));
            send(kafka, relay, ev(relay, SessionEventType.GATHERING_STARTED, 0),
                    ev(relay, SessionEventType.CANDIDATE_GATHERED, 1).candidateType("host").protocol("udp"),
                    ev(relay, SessionEventType.CANDIDATE_GATHERED, 5).candidateType("srflx").protocol("udp")
                            .serverUrl("stun:127.0.0.1:3478"),
                    ev(relay, SessionEventType.CANDIDATE_GATHERED, 40).candidateType("relay").protocol("udp")
                            .serverUrl(turnUrl),
                    ev(relay, SessionEventType.GATHERING_COMPLETE, 45),
                    ev(relay, SessionEventType.ICE_STATE_CHANGED, 170).state("connected"),
                    ev(relay, SessionEventType.SELECTED_PAIR, 171).localCandidateType("relay")
                            .remoteCandidateType("host").protocol("udp").rttMs(1.2),
                    ev(relay, SessionEventType.FIRST_MEDIA, 220));
            send(kafka, slow, ev(slow, SessionEventType.GATHERING_STARTED, 0),
                    ev(slow, SessionEventType.CANDIDATE_GATHERED, 1).candidateType("host").protocol("udp"),
                    ev(slow, SessionEventType.GATHERING_COMPLETE, 5003),
                    ev(slow, SessionEventType.ICE_STATE_CHANGED, 5060).state("connected"),
                    ev(slow, SessionEventType.SELECTED_PAIR, 5061).localCandidateType("host")
                            .remoteCandidateType("host").protocol("udp"),
                    ev(slow, SessionEventType.FIRST_MEDIA, 5120));
            send(kafka, refused, ev(refused, SessionEventType.GATHERING_STARTED, 0),
                    ev(refused, SessionEventType.CANDIDATE_GATHERED, 1).candidateType("host").protocol("udp"),
                    ev(refused, SessionEventType.GATHERING_COMPLETE, 50),
                    ev(refused, SessionEventType.ICE_STATE_CHANGED, 30050).state("failed"));
        }

        await().atMost(WAIT).untilAsserted(() -> {
            MetricsScrape after = MetricsScrape.now();
            assertDelta(before, after, 3, CONNECTED + "_count");
            assertDelta(before, after, 1, CONNECTED + "_bucket", "le", "0.1");
            assertDelta(before, after, 2, CONNECTED + "_bucket", "le", "0.2");
            assertDelta(before, after, 2, CONNECTED + "_bucket", "le", "5.0");
            assertDelta(before, after, 3, CONNECTED + "_bucket", "le", "7.5");
            assertDelta(before, after, 4, GATHERING + "_count");
            assertDelta(before, after, 1, GATHERING + "_bucket", "le", "0.002");
            assertDelta(before, after, 3, GATHERING + "_bucket", "le", "0.05");
            assertDelta(before, after, 3, GATHERING + "_bucket", "le", "5.0");
            assertDelta(before, after, 3, FIRST_MEDIA + "_count");
            assertDelta(before, after, 2, FIRST_MEDIA + "_bucket", "le", "0.3");
            assertDelta(before, after, 3, "icemesh_monitor_sessions_total", "outcome", "connected");
            assertDelta(before, after, 1, "icemesh_monitor_sessions_total", "outcome", "failed");
            assertDelta(before, after, 1, "icemesh_monitor_session_failures_total", "reason", "turn_auth");
            assertDelta(before, after, 2, "icemesh_monitor_selected_pairs_total",
                    "local_type", "host", "remote_type", "host", "protocol", "udp");
            assertDelta(before, after, 1, "icemesh_monitor_selected_pairs_total",
                    "local_type", "relay", "remote_type", "host", "protocol", "udp");
            assertDelta(before, after, 1, "icemesh_monitor_candidates_gathered_total", "type", "relay");
            assertDelta(before, after, 1, "icemesh_monitor_turn_events_total", "type", "allocation_created");
            assertDelta(before, after, 1, "icemesh_monitor_turn_events_total", "type", "auth_failed");
            assertDelta(before, after, 0, "icemesh_monitor_turn_events_unjoined_total", "cause", "unknown_session");
        });

        get("/api/sessions/" + host).then().statusCode(200)
                .body("diagnosis.verdict", equalTo("ok"))
                .body("diagnosis.cause", equalTo("connected in 60 ms over host/host udp; first media at 110 ms"))
                .body("timeline.entries.size()", equalTo(6));
        get("/api/sessions/" + relay).then().statusCode(200)
                .body("diagnosis.cause", equalTo("only relay pairs succeeded: direct candidates (host, srflx) were"
                        + " gathered but the selected pair is relay/host udp"))
                .body("timeline.turnAllocations", equalTo(1));
        get("/api/sessions/" + refused).then().statusCode(200)
                .body("timeline.turnFailures.type", hasItem("AUTH_FAILED"))
                .body("diagnosis.verdict", equalTo("failed"))
                .body("diagnosis.cause", equalTo(
                        "no relay candidate: TURN answered 401 (Unauthorized: integrity check failed)"))
                .body("timeline.failureReason", equalTo("turn_auth"));
        // the probes find the silent configured server unreachable within a few probe intervals
        await().atMost(WAIT).untilAsserted(() -> get("/api/sessions/" + slow).then().statusCode(200)
                .body("diagnosis.verdict", equalTo("slow"))
                .body("diagnosis.cause", equalTo(
                        "gathering waited 5.0 s on " + deadStun + ", which probes find unreachable")));
        get("/api/sessions").then().statusCode(200)
                .body("sessionId", hasItem(slow))
                .body("find { it.sessionId == '" + refused + "' }.cause", containsString("TURN answered 401"));
    }

    @Test
    void joinsSignalingAndMediaServiceEventsByTimestamp() {
        String sfu = "sfu-" + run;
        try (EventProducer kafka = new EventProducer()) {
            kafka.send(Topics.SESSION_EVENTS, sfu, SessionEvent.builder(SessionEventType.PEER_JOINED, sfu,
                    EventSource.SIGNALING).roomId("room-" + run).timestampMs(t0).build());
            kafka.send(Topics.SESSION_EVENTS, sfu, SessionEvent.builder(SessionEventType.ICE_STATE_CHANGED, sfu,
                    EventSource.MEDIA).state("connected").timestampMs(t0 + 150).build());
            kafka.send(Topics.SESSION_EVENTS, sfu, SessionEvent.builder(SessionEventType.FIRST_MEDIA, sfu,
                    EventSource.MEDIA).timestampMs(t0 + 420).build());
        }
        await().atMost(WAIT).untilAsserted(() -> get("/api/sessions/" + sfu).then().statusCode(200)
                .body("timeline.timeToConnectedMs", equalTo(150))
                .body("timeline.timeToFirstMediaMs", equalTo(420))
                .body("timeline.entries.source", equalTo(List.of("signaling", "media", "media")))
                .body("diagnosis.cause", equalTo("connected in 150 ms; first media at 420 ms")));
    }

    @Test
    void unknownSessionIsA404WithAReason() {
        get("/api/sessions/never-seen-" + run).then().statusCode(404)
                .body("error", containsString("no timeline for session never-seen-" + run));
    }

    private static void assertDelta(MetricsScrape before, MetricsScrape after, double delta, String name,
            String... labels) {
        assertEquals(delta, after.value(name, labels) - before.value(name, labels),
                name + " " + String.join(",", labels) + " moves by " + delta);
    }

    private SessionEvent.Builder ev(String session, SessionEventType type, long elapsedMs) {
        return SessionEvent.builder(type, session, EventSource.CLIENT).roomId("room-" + run)
                .timestampMs(t0 + elapsedMs).elapsedMs(elapsedMs);
    }

    private static void send(EventProducer kafka, String session, SessionEvent.Builder... events) {
        for (SessionEvent.Builder e : events) {
            kafka.send(Topics.SESSION_EVENTS, session, e.build());
        }
    }

    private TurnEvent turn(TurnEventType type, String allocationId, String session, String reason) {
        String username = (t0 / 1000 + 3600) + ":" + session;
        return new TurnEvent(EventSchema.VERSION, type, "turn-1", allocationId, username, null, "127.0.0.1:50000",
                "udp", type == TurnEventType.ALLOCATION_CREATED ? "127.0.0.1:49152" : null, null, reason, null, null,
                null, null, t0);
    }
}
