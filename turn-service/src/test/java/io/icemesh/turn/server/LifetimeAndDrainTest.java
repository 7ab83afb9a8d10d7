package io.icemesh.turn.server;

import io.icemesh.stun.TurnRestCredential;
import io.icemesh.testkit.KafkaTestClient;
import org.apache.kafka.common.serialization.StringDeserializer;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.Topics;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Allocation expiry with a 2-second lifetime, then drain (which is one-way, so it runs last). */
@QuarkusTest
@TestProfile(ShortLifetimeProfile.class)
@WithTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifetimeAndDrainTest {

    @Inject
    TurnServer server;

    private TurnTestClient client(String user) throws Exception {
        long expiry = System.currentTimeMillis() / 1000 + 600;
        String name = expiry + ":" + user;
        return new TurnTestClient(server.udpPort(), name,
                io.icemesh.stun.TurnRestCredential.password("test-only-secret", name));
    }

    @Test
    @Order(1)
    void allocationExpiresAfterItsLifetime() throws Exception {
        try (TurnTestClient c = client("expiring")) {
            StunMessage allocated = c.allocate();
            assertEquals(-1, ErrorCodeAttribute.codeOf(allocated));
            assertEquals(2, allocated.uint32Value(StunAttributeType.LIFETIME), "lifetime clamped to the configured 2 s");
            int active = server.activeAllocations();
            assertTrue(active >= 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeAllocations() < active);
            assertEquals(437, ErrorCodeAttribute.codeOf(c.refresh(2)), "the expired allocation is gone");
        }
        ConsumerRecord<String, String> expired = KafkaTestClient.find(KafkaBrokerResource.broker().bootstrapServers(),
                Topics.TURN_EVENTS, new StringDeserializer(),
                r -> r.value().contains("\"ALLOCATION_EXPIRED\"") && r.value().contains("\"sessionId\":\"expiring\""),
                Duration.ofSeconds(20));
        assertNotNull(expired, "an ALLOCATION_EXPIRED event with traffic counters");
        assertTrue(expired.value().contains("\"packetsToPeer\":0"), expired.value());
    }

    @Test
    @Order(2)
    void drainRefusesNewAllocationsAndKeepsExistingOnes() throws Exception {
        try (TurnTestClient existing = client("existing"); TurnTestClient late = client("late")) {
            assertEquals(-1, ErrorCodeAttribute.codeOf(existing.allocate()));
            server.startDraining();
            StunMessage refused = late.allocate();
            assertEquals(508, ErrorCodeAttribute.codeOf(refused));
            int i = refused.indexOf(StunAttributeType.ERROR_CODE);
            String reason = new String(refused.bytes(), refused.valueOffset(i) + 4, refused.valueLength(i) - 4,
                    StandardCharsets.UTF_8);
            assertTrue(reason.contains("draining"), reason);
            assertEquals(-1, ErrorCodeAttribute.codeOf(existing.refresh(2)), "existing allocations keep working");
            given().when().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'turn-listeners' }.data.draining", is(true));
            given().when().get("/q/health/live").then().statusCode(200);
        }
    }
}
