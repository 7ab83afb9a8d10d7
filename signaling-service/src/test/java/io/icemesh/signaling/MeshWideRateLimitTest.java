package io.icemesh.signaling;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.room.RoomLog;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The budgets of {@code GET /api/ice-servers} hold for the whole mesh, not per instance: with two live signaling
 * instances each charges a request two tokens, so a client spread over both by a load balancer gets the configured
 * budget in all, not twice it. A second instance runs here on the same broker (a standalone room log, as in
 * SharedRoomsTest).
 */
@QuarkusTest
@TestProfile(MeshWideRateLimitTest.SmallSessionBudget.class)
@WithTestResource(KafkaBrokerResource.class)
class MeshWideRateLimitTest {

    /** A session budget of 4 that regains one token a minute; the address budget is out of the way. */
    public static class SmallSessionBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.signaling.ice.rate-limit.session-burst", "4",
                    "icemesh.signaling.ice.rate-limit.session-per-minute", "1",
                    "icemesh.signaling.ice.rate-limit.source-burst", "1000",
                    "icemesh.signaling.ice.rate-limit.source-per-minute", "1000");
        }
    }

    @Inject
    SignalingConfig config;

    @Inject
    RoomLog app;

    @Test
    void withTwoLiveInstancesARequestCostsTwoTokensAndOneAgainWhenTheOtherIsGone() {
        await().atMost(Duration.ofSeconds(20)).until(() -> app.ready() && app.liveInstances().size() == 1);
        RoomLog other = RoomLog.standalone(config, KafkaBrokerResource.broker().bootstrapServers());
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> app.liveInstances().size() == 2);
            String token = TestTokens.forRoom("mesh-budget");
            assertEquals(200, call(token).statusCode(), "tokens 1-2 of the session's 4");
            assertEquals(200, call(token).statusCode(), "tokens 3-4");
            Response refused = call(token);
            assertEquals(429, refused.statusCode(), "the mesh's budget of 4 is spent: " + refused.asString());
        } finally {
            other.stop();
        }
        // The other instance's heartbeats stop: after the instance timeout a request costs one token again.
        await().atMost(Duration.ofSeconds(30)).until(() -> app.liveInstances().size() == 1);
        String token = TestTokens.forRoom("mesh-budget-alone");
        for (int i = 1; i <= 4; i++) {
            assertEquals(200, call(token).statusCode(), "request " + i + " of 4 on the one live instance");
        }
        assertEquals(429, call(token).statusCode(), "the fifth");
    }

    private static Response call(String token) {
        return given().header("Authorization", "Bearer " + token).get("/api/ice-servers");
    }
}
