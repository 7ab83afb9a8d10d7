package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A socket may open before its user joins (the web client opens it while it shows the camera's preview), but one that
 * is in no room by {@code icemesh.signaling.protocol.join-deadline} is closed with 4008 {@code join-deadline}; one
 * that joined is served on.
 */
@QuarkusTest
@TestProfile(JoinDeadlineTest.ShortDeadline.class)
@WithTestResource(KafkaBrokerResource.class)
class JoinDeadlineTest {

    /** A deadline of one second instead of five minutes. */
    public static class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.signaling.protocol.join-deadline", "1s");
        }
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Test
    void aSocketInNoRoomIsClosedAtItsDeadlineAndOneInARoomIsServedOn() throws Exception {
        try (WsClient idle = WsClient.connect(ws); WsClient member = WsClient.connect(ws)) {
            member.send(joinMessage(uniqueRoom("deadline"))).next("joined");
            WsClient.Closed closed = idle.awaitClose(10);
            assertEquals(4008, closed.code(), "closed for joining no room: " + closed);
            assertEquals("join-deadline", closed.reason());
            // Opened at the same moment, in a room: still open well past its deadline, and answering.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> !member.isClosed());
            assertEquals("pong", member.send("{\"type\":\"ping\"}").next("pong").path("type").asText());
        }
    }
}
