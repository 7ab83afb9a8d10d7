package io.icemesh.turn.server;

import static io.restassured.RestAssured.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.StunMessage;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventJson;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.stun.StunMessageType;
import io.icemesh.testkit.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The JIT warm-up runs its allocations on a private loopback server before the node listens, and leaves nothing
 * behind: no allocation, no count in the node's metrics, no event on the node's topic (its Kafka pass writes to the
 * warm-up topic only); the node then serves a client as usual.
 */
@QuarkusTest
@TestProfile(AllocationWarmUpTest.WarmUp.class)
@WithTestResource(KafkaBrokerResource.class)
class AllocationWarmUpTest {

    /**
     * A short warm-up: two passes of 300 (a pass never counts as settled here), then one with its events through the
     * node's producer.
     */
    public static class WarmUp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.turn.warm-up.allocations", "300", "icemesh.turn.warm-up.max-passes", "2",
                    "icemesh.turn.warm-up.settled-compilation", "0ms", "icemesh.turn.warm-up.kafka-passes", "1");
        }
    }

    /** The warm-up's users (a static one, and a REST one ending with it), as they would appear in an event. */
    private static final Pattern WARM_UP_USER = Pattern.compile(
            "\"(\\d+:)?" + WarmUpClient.USER_PREFIX + "[0-9a-f]{8}\"");

    @Inject
    TurnServer server;

    @Test
    void theWarmUpRanItsAllocationsAndLeftNoAllocationMetricOrEventBehind() throws Exception {
        assertEquals(900, server.warmedUp(), "every warm-up allocation of the three passes went through (401, "
                + "Allocate, CreatePermission, ChannelBind, Refresh 0)");
        assertEquals(900.0, metric("icemesh_turn_warm_up_allocations"));
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
            assertTrue(WARM_UP_USER.matcher(new String(TurnEventJson.write(new TurnEvent(EventSchema.VERSION,
                    TurnEventType.ALLOCATION_CREATED, "node", "a1", "1765000000:" + WarmUpClient.USER_PREFIX
                    + "0123abcd", TurnEvent.sessionIdOf("1765000000:" + WarmUpClient.USER_PREFIX + "0123abcd"),
                    "127.0.0.1:1", "udp", null, null, null, null, null, null, null, 0L)),
                    StandardCharsets.UTF_8)).find(), "the pattern finds a warm-up user in an encoded event");
            // The whole topic, to its end offsets as they are once the client's event is there: the warm-up ran
            // before it, so any event of the warm-up's would be among these.
            List<String> events = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = KafkaTestClient.consumer(kafka, "icemesh.turn-events",
                    new StringDeserializer())) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> events.add(r.value()));
                    if (consumer.assignment().isEmpty()
                            || events.stream().noneMatch(v -> v != null && v.contains(name))) {
                        return false;
                    }
                    Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
                    return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                });
            }
            assertTrue(events.stream().anyMatch(v -> v != null && v.contains(name)), "the client's allocation is "
                    + "published");
            assertTrue(events.stream().noneMatch(v -> v != null && WARM_UP_USER.matcher(v).find()),
                    "no warm-up event is published");
            // The last pass's events went through the node's producer to the warm-up topic, acknowledged before the
            // node opened: at least one per allocation (created, permission, channel, deleted), all the warm-up's.
            List<String> warmUp = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = KafkaTestClient.consumer(kafka, Topics.TURN_WARM_UP,
                    new StringDeserializer())) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> warmUp.add(r.value()));
                    if (consumer.assignment().isEmpty()) {
                        return false;
                    }
                    Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
                    return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                });
            }
            assertTrue(warmUp.size() >= 300, warmUp.size() + " records on " + Topics.TURN_WARM_UP);
            assertTrue(warmUp.stream().allMatch(v -> v != null && WARM_UP_USER.matcher(v).find()),
                    "the warm-up topic holds only the warm-up's events");
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
