package io.icemesh.media;

import static io.restassured.RestAssured.get;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** media-service's control contract over the real broker, without media: replies, errors, and what it ignores. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ControlOverKafkaTest {

    private static final String NODE = "media-test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void isReadyWithItsUdpPortBoundAndExportsMetrics() {
        get("/q/health/ready").then().statusCode(200).body(containsString("media-udp"))
                .body("checks.find { it.name == 'media-udp' }.data.commandPartitions", greaterThan(0));
        get("/q/metrics").then().statusCode(200).body(containsString("icemesh_media_endpoints"))
                .body(containsString("icemesh_media_rtp_packets_total"));
    }

    @Test
    void allocateThenEndRepliesAllocatedThenEnded() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("room-" + UUID.randomUUID(), NODE)) {
            s.send(MediaCommandType.ALLOCATE, "a", null);
            s.take("a", MediaReplyType.ALLOCATED, WAIT);
            s.send(MediaCommandType.ALLOCATE, "a", null);
            s.take("a", MediaReplyType.ALLOCATED, WAIT);
            s.send(MediaCommandType.END, "a", null);
            MediaReply ended = s.take("a", MediaReplyType.ENDED, WAIT);
            assertEquals("requested", ended.reason());
            assertEquals(NODE, ended.nodeId());
        }
    }

    @Test
    void answersAPingWithAPong() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("ping:" + NODE, NODE)) {
            s.send(MediaCommandType.PING, "ping", null);
            MediaReply pong = s.take("ping", MediaReplyType.PONG, WAIT);
            assertEquals(NODE, pong.nodeId());
        }
    }

    @Test
    void listsTheRoomsItServesWithTheirEndpoints() throws Exception {
        String room = "listed-" + UUID.randomUUID();
        try (KafkaSignaling s = new KafkaSignaling(room, NODE)) {
            s.send(MediaCommandType.ALLOCATE, "x", null);
            s.take("x", MediaReplyType.ALLOCATED, WAIT);
            s.send(MediaCommandType.ALLOCATE, "y", null);
            s.take("y", MediaReplyType.ALLOCATED, WAIT);
            get("/api/rooms").then().statusCode(200).contentType(containsString("text/plain"))
                    .body(containsString(room + " 2\n"));
            s.send(MediaCommandType.END, "x", null);
            s.take("x", MediaReplyType.ENDED, WAIT);
            get("/api/rooms").then().statusCode(200).body(containsString(room + " 1\n"));
            s.send(MediaCommandType.END, "y", null);
            s.take("y", MediaReplyType.ENDED, WAIT);
            get("/api/rooms").then().statusCode(200).body(org.hamcrest.Matchers.not(containsString(room)));
        }
    }

    @Test
    void anEndpointWhoseClientNeverSendsAnythingEndsAsIdle() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("room-" + UUID.randomUUID(), NODE)) {
            s.send(MediaCommandType.ALLOCATE, "silent", null);
            s.take("silent", MediaReplyType.ALLOCATED, WAIT);
            MediaReply ended = s.take("silent", MediaReplyType.ENDED, WAIT);
            assertEquals("idle", ended.reason(), "the test profile's idle timeout is 10 s");
        }
    }

    @Test
    void commandsForUnknownEndpointsGetAnErrorWithTheReason() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("room-" + UUID.randomUUID(), NODE)) {
            s.send(MediaCommandType.OFFER, "ghost", "v=0\r\n");
            MediaReply error = s.take("ghost", MediaReplyType.ERROR, WAIT);
            assertTrue(error.reason().contains("unknown endpoint ghost"), error.reason());
            s.send(MediaCommandType.ANSWER, "ghost", "v=0\r\n");
            s.take("ghost", MediaReplyType.ERROR, WAIT);
        }
    }

    @Test
    void anUnusableOfferGetsAnErrorAndTheEndpointStays() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("room-" + UUID.randomUUID(), NODE)) {
            s.send(MediaCommandType.ALLOCATE, "b", null);
            s.take("b", MediaReplyType.ALLOCATED, WAIT);
            s.send(MediaCommandType.OFFER, "b", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n");
            MediaReply error = s.take("b", MediaReplyType.ERROR, WAIT);
            assertTrue(error.reason().startsWith("bad offer: "), error.reason());
            s.send(MediaCommandType.ICE_RESTART, "b", null);
            assertTrue(s.take("b", MediaReplyType.ERROR, WAIT).reason().contains("send the first offer"));
            s.send(MediaCommandType.END, "b", null);
            s.take("b", MediaReplyType.ENDED, WAIT);
        }
    }

    @Test
    void ignoresCommandsForAnotherNode() throws Exception {
        try (KafkaSignaling s = new KafkaSignaling("room-" + UUID.randomUUID(), NODE)) {
            s.send(MediaCommandType.ALLOCATE, "c", null, "some-other-node");
            // Same room key, so same partition: had the ALLOCATE been taken, ALLOCATED would come before this ERROR.
            s.send(MediaCommandType.END, "c", null);
            s.take("c", MediaReplyType.ERROR, WAIT);
            assertTrue(s.pending().stream().noneMatch(r -> r.type() == MediaReplyType.ALLOCATED),
                    "no ALLOCATED for a command addressed to another node: " + s.pending());
        }
    }

    @Test
    void announcesItselfOnTheNodesTopic() {
        AtomicReference<NodeAnnouncement> seen = new AtomicReference<>();
        try (KafkaConsumer<String, NodeAnnouncement> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-nodes-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new EventDeserializer.NodeAnnouncements())) {
            consumer.subscribe(List.of(Topics.NODES));
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value() != null && NODE.equals(r.key())) {
                        seen.set(r.value());
                    }
                });
                return seen.get() != null;
            });
        }
        NodeAnnouncement a = seen.get();
        assertEquals(NodeKind.MEDIA, a.kind());
        assertTrue(a.publicAddress().startsWith("127.0.0.1:"), a.publicAddress());
        assertTrue(a.capacity() > 0);
    }
}
