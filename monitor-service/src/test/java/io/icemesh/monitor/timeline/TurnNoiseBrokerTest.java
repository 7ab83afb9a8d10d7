package io.icemesh.monitor.timeline;

import static io.restassured.RestAssured.get;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import io.icemesh.monitor.probe.TurnAllocateProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * TURN events that are not sessions, through the real broker: Allocates with a wrong password and made-up TURN REST
 * usernames, monitor's own TURN probe, and credentials from {@code /api/ice-servers} used without a join. They count
 * in the TURN metrics; none is a session connecting.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class TurnNoiseBrokerTest {

    /** The test profile holds a refusal 15 s for its session (swept every second), so this covers its drop. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TURN_EVENTS = "icemesh_monitor_turn_events_total";
    private static final String UNJOINED = "icemesh_monitor_turn_events_unjoined_total";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final long t0 = System.currentTimeMillis();

    @Test
    void threeHundredAuthFailuresWithMadeUpUsernamesAreCountedAndMakeNoSession() {
        MetricsScrape before = MetricsScrape.now();
        List<String> madeUp = new ArrayList<>();
        try (EventProducer kafka = new EventProducer()) {
            for (int i = 0; i < 300; i++) {
                String session = String.format("fake-%s-%04d", run, i);
                madeUp.add(session);
                kafka.send(Topics.TURN_EVENTS, session, turn(TurnEventType.AUTH_FAILED, "1999999999:" + session,
                        "bad_integrity"));
            }
        }
        await().atMost(WAIT).untilAsserted(() -> {
            MetricsScrape after = MetricsScrape.now();
            assertDelta(before, after, 300, TURN_EVENTS, "type", "auth_failed");
            assertDelta(before, after, 300, UNJOINED, "cause", "unknown_session");
        });
        List<String> listed = get("/api/sessions?limit=1000").then().statusCode(200).extract().jsonPath()
                .getList("sessionId", String.class);
        List<String> leaked = listed.stream().filter(madeUp::contains).toList();
        assertEquals(List.of(), leaked, "no made-up username became a session");
        get("/api/sessions/" + madeUp.get(0)).then().statusCode(404);
        assertEquals(0, MetricsScrape.now().value("icemesh_monitor_turn_refusals_held"), "nothing is held after");
    }

    @Test
    void monitorsOwnTurnProbeCountsInTurnMetricsButIsNoSession() {
        MetricsScrape before = MetricsScrape.now();
        String username = (t0 / 1000 + 300) + ":" + TurnAllocateProbe.PROBE_SESSION_ID;
        try (EventProducer kafka = new EventProducer()) {
            for (TurnEventType type : List.of(TurnEventType.ALLOCATION_CREATED, TurnEventType.ALLOCATION_DELETED)) {
                kafka.send(Topics.TURN_EVENTS, TurnAllocateProbe.PROBE_SESSION_ID, turn(type, username, null));
            }
        }
        await().atMost(WAIT).untilAsserted(() -> {
            MetricsScrape after = MetricsScrape.now();
            assertDelta(before, after, 2, UNJOINED, "cause", "probe");
            assertDelta(before, after, 1, TURN_EVENTS, "type", "allocation_created");
        });
        get("/api/sessions/" + TurnAllocateProbe.PROBE_SESSION_ID).then().statusCode(404);
        List<String> listed = get("/api/sessions?limit=1000").then().statusCode(200).extract().jsonPath()
                .getList("sessionId", String.class);
        assertFalse(listed.contains(TurnAllocateProbe.PROBE_SESSION_ID), "the probe is not listed: " + listed);
    }

    @Test
    void credentialsUsedWithoutAJoinAreUnjoinedUntilTheSessionJoins() {
        String session = "ice-only-" + run;
        String username = (t0 / 1000 + 600) + ":" + session;
        try (EventProducer kafka = new EventProducer()) {
            kafka.send(Topics.TURN_EVENTS, session, turn(TurnEventType.ALLOCATION_CREATED, username, null));
            await().atMost(WAIT).untilAsserted(() -> get("/api/sessions/" + session).then().statusCode(200)
                    .body("timeline.status", equalTo("unjoined"))
                    .body("timeline.turnAllocations", equalTo(1))
                    .body("diagnosis.verdict", equalTo("unjoined")));
            get("/api/sessions?limit=1000").then().statusCode(200)
                    .body("find { it.sessionId == '" + session + "' }.status", equalTo("unjoined"))
                    .body("find { it.sessionId == '" + session + "' }.verdict", equalTo("unjoined"));

            // a refusal for a session that has a timeline still joins it, for the diagnosis
            kafka.send(Topics.TURN_EVENTS, session, turn(TurnEventType.REJECTED, username, "peer_acl"));
            await().atMost(WAIT).untilAsserted(() -> get("/api/sessions/" + session).then().statusCode(200)
                    .body("timeline.turnFailures.reason", hasItem("peer_acl")));

            kafka.send(Topics.SESSION_EVENTS, session, SessionEvent.builder(SessionEventType.PEER_JOINED, session,
                    EventSource.SIGNALING).roomId("room-" + run).timestampMs(t0 + 1).build());
            await().atMost(WAIT).untilAsserted(() -> get("/api/sessions/" + session).then().statusCode(200)
                    .body("timeline.status", equalTo("connecting"))
                    .body("diagnosis.verdict", equalTo("in_progress")));
        }
    }

    private static void assertDelta(MetricsScrape before, MetricsScrape after, double delta, String name,
            String... labels) {
        assertEquals(delta, after.value(name, labels) - before.value(name, labels),
                name + " " + String.join(",", labels) + " moves by " + delta);
    }

    private TurnEvent turn(TurnEventType type, String username, String reason) {
        boolean allocation = type != TurnEventType.AUTH_FAILED && type != TurnEventType.REJECTED;
        return new TurnEvent(EventSchema.VERSION, type, "turn-1", allocation ? "alloc-" + username : null, username,
                TurnEvent.sessionIdOf(username), "198.51.100.7:40000", "udp",
                allocation ? "127.0.0.1:49152" : null, null, reason, null, null, null, null, t0);
    }
}
