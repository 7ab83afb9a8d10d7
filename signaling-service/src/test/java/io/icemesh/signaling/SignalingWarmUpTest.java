package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.testkit.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The boot warm-up: an instance makes its calls with itself through the room log before it is ready, publishes no
 * session event for them, leaves no warm-up session in the room state, and then serves a real call as usual, whose
 * events are published.
 */
@QuarkusTest
@TestProfile(SignalingWarmUpTest.WithWarmUp.class)
@WithTestResource(KafkaBrokerResource.class)
class SignalingWarmUpTest {

    static final int CALLS = 20;

    /** Tests turn the warm-up off; this one asks for a short one. */
    public static class WithWarmUp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.signaling.warm-up.calls", String.valueOf(CALLS));
        }
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    RoomLog log;

    @Inject
    SignalingWarmUp warmUp;

    @Inject
    SignalingConfig config;

    @Test
    void warmUpCallsGoThroughTheRoomLogBeforeReadinessAndLeaveNoTrace() throws Exception {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                        .body("checks.find { it.name == 'signaling-room-log' }.data.warmUpDone", equalTo(true))
                        .body("checks.find { it.name == 'signaling-room-log' }.data.warmUpCalls", equalTo(CALLS)));
        assertEquals(CALLS, warmUp.callsMade(), "every warm-up call completed");
        String bootstrap = KafkaBrokerResource.broker().bootstrapServers();

        // The calls went through the room log: their rooms' records are on it.
        assertNotNull(KafkaTestClient.find(bootstrap, config.roomLog().topic(), new StringDeserializer(),
                r -> r.key() != null && r.key().startsWith("icemesh-warm-up-"), Duration.ofSeconds(20)),
                "warm-up rooms on the room log");
        // Every warm-up session left: none is in this instance's rooms.
        Set<String> mine = log.state().roomsByInstance().getOrDefault(log.instanceId(), Set.of());
        assertTrue(mine.stream().noneMatch(r -> r.startsWith("icemesh-warm-up-")), "warm-up rooms left: " + mine);

        // A real call after it is published as usual.
        String room = uniqueRoom("after-warm-up");
        try (WsClient a = WsClient.connect(ws)) {
            a.next("hello");
            a.send(joinMessage(room)).next("joined");
        }
        assertNotNull(SessionEvents.await(r -> r.value().type() == SessionEventType.PEER_JOINED
                && room.equals(r.value().roomId())));
        // The warm-up's are not: nothing on the topic from a warm-up session or room.
        assertNull(KafkaTestClient.find(bootstrap, Topics.SESSION_EVENTS, new EventDeserializer.SessionEvents(),
                r -> r.value().sessionId().startsWith("warm-up-")
                        || (r.value().roomId() != null && r.value().roomId().startsWith("icemesh-warm-up-")),
                Duration.ofSeconds(5)), "a session event of the warm-up");
    }
}
