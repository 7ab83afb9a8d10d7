package io.icemesh.turn.server;

import static io.restassured.RestAssured.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageType;
import io.icemesh.testkit.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The JIT warm-up runs its allocations on a private loopback server before the node listens, and leaves nothing
 * behind: no allocation, no count in the node's metrics, no event on Kafka; the node then serves a client as usual.
 */
@QuarkusTest
@TestProfile(AllocationWarmUpTest.WarmUp.class)
@WithTestResource(KafkaBrokerResource.class)
class AllocationWarmUpTest {

    /** A short warm-up. */
    public static class WarmUp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.turn.warm-up.allocations", "300");
        }
    }

    /** The warm-up's users (a static one, and a REST one ending with it), as they would appear in an event. */
    private static final Pattern WARM_UP_USER = Pattern.compile(
            "\"(\\d+:)?" + WarmUpClient.USER_PREFIX + "[0-9a-f]{8}\"");

    @Inject
    TurnServer server;

    @Test
    void theWarmUpRanItsAllocationsAndLeftNoAllocationMetricOrEventBehind() throws Exception {
        assertEquals(300, server.warmedUp(), "every warm-up allocation went through (401, Allocate, CreatePermission,"
                + " ChannelBind, Refresh 0)");
        assertEquals(300.0, metric("icemesh_turn_warm_up_allocations"));
        assertEquals(0, server.activeAllocations(), "the warm-up's allocations are not the node's");
        assertEquals(0.0, metricSum("icemesh_turn_allocations_created_total"), "nor counted as the node's");

        // The node serves a real client; its allocation is published, the warm-up's were not.
        long expiry = System.currentTimeMillis() / 1000 + 600;
        String name = expiry + ":warm-up-test-" + System.nanoTime();
        try (TurnTestClient client = new TurnTestClient(server.udpPort(), name,
                io.icemesh.stun.TurnRestCredential.password("test-only-secret", name))) {
            StunMessage allocated = client.allocate();
            assertEquals(StunMessageType.CLASS_SUCCESS, allocated.messageClass());
            assertEquals(1.0, metricSum("icemesh_turn_allocations_created_total"));
            String kafka = KafkaBrokerResource.broker().bootstrapServers();
            assertNotNull(KafkaTestClient.find(kafka, "icemesh.turn-events", new StringDeserializer(),
                    r -> r.value().contains(name), Duration.ofSeconds(20)), "the client's allocation is published");
            assertTrue(WARM_UP_USER.matcher("{\"username\":\"1765000000:" + WarmUpClient.USER_PREFIX
                    + "0123abcd\",\"sessionId\":null}").find(), "the pattern finds a warm-up user in an event");
            assertNull(KafkaTestClient.find(kafka, "icemesh.turn-events", new StringDeserializer(),
                    r -> WARM_UP_USER.matcher(r.value()).find(), Duration.ofSeconds(3)), "no warm-up event is");
            client.refresh(0);
        }
    }

    private static double metric(String name) {
        String body = get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
        assertTrue(m.find(), name + " is exported");
        return Double.parseDouble(m.group(2));
    }

    private static double metricSum(String name) {
        String body = get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
