package io.icemesh.media;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Drain on shutdown, through the same method the shutdown observer runs, in an application of its own (the node is
 * stopped at the end): the node announces itself draining and turns not ready, refuses new endpoints, still serves
 * the endpoints it has, and ends what is left with {@code node-shutdown} once the grace time passes.
 */
@QuarkusTest
@TestProfile(DrainTest.ShortGrace.class)
@WithTestResource(KafkaBrokerResource.class)
class DrainTest {

    private static final String NODE = "media-test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A grace long enough for the steps below, short enough to wait out. */
    public static class ShortGrace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // No client sends anything here, so the idle sweep must not end the endpoints first.
            return Map.of("icemesh.media.drain.grace", "6s", "icemesh.media.ice.idle-timeout", "10m");
        }
    }

    @Inject
    MediaNode node;

    @Test
    void drainingRefusesNewEndpointsServesExistingOnesAndEndsTheRestAfterTheGrace() throws Exception {
        String room = "room-" + UUID.randomUUID();
        try (KafkaSignaling s = new KafkaSignaling(room, NODE); KafkaConsumer<String, NodeAnnouncement> nodes = nodes()) {
            s.send(MediaCommandType.ALLOCATE, "stays", null);
            s.take("stays", MediaReplyType.ALLOCATED, WAIT);
            s.send(MediaCommandType.ALLOCATE, "leaves", null);
            s.take("leaves", MediaReplyType.ALLOCATED, WAIT);
            given().get("/q/health/ready").then().statusCode(200);

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(node::drainAndStop);
            await().atMost(WAIT).until(node::draining);
            given().get("/q/health/ready").then().statusCode(503);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                nodes.poll(Duration.ofMillis(200));
                return sawDraining;
            });

            s.send(MediaCommandType.ALLOCATE, "late", null);
            assertTrue(s.take("late", MediaReplyType.ERROR, WAIT).reason().contains("draining"),
                    "a draining node refuses new endpoints");
            s.send(MediaCommandType.END, "leaves", null);
            assertEquals("requested", s.take("leaves", MediaReplyType.ENDED, WAIT).reason(),
                    "a draining node still serves its endpoints");

            assertEquals("node-shutdown", s.take("stays", MediaReplyType.ENDED, WAIT).reason(),
                    "what is left when the grace ends is ended");
            stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, node.endpointCount());
        }
    }

    private volatile boolean sawDraining;

    private KafkaConsumer<String, NodeAnnouncement> nodes() {
        KafkaConsumer<String, NodeAnnouncement> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-nodes-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new EventDeserializer.NodeAnnouncements() {
                    @Override
                    public NodeAnnouncement deserialize(String topic, byte[] data) {
                        NodeAnnouncement a = super.deserialize(topic, data);
                        if (a != null && NODE.equals(a.nodeId()) && a.draining()) {
                            sawDraining = true;
                        }
                        return a;
                    }
                });
        c.subscribe(List.of(Topics.NODES));
        return c;
    }
}
