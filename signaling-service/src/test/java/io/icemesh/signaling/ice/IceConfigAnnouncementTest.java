package io.icemesh.signaling.ice;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class IceConfigAnnouncementTest {

    /** The test profile's icemesh.signaling.ice.servers, as application.properties lists them. */
    private static final List<String> CONFIGURED = List.of("stun:127.0.0.1:19302", "stun:127.0.0.2:3478",
            "stun:127.0.0.3:3478", "turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp");

    @Test
    void publishesItsConfiguredServersOnTheNodesTopicWithoutCredentials() {
        AtomicReference<ConsumerRecord<String, byte[]>> found = new AtomicReference<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "ice-config-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.NODES));
            await("an announcement keyed " + IceConfigAnnouncer.nodeIdOf(CONFIGURED) + " on " + Topics.NODES)
                    .atMost(Duration.ofSeconds(30)).until(() -> {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (IceConfigAnnouncer.nodeIdOf(CONFIGURED).equals(r.key())) {
                                found.set(r);
                            }
                        }
                        return found.get() != null;
                    });
        }
        ConsumerRecord<String, byte[]> record = found.get();
        NodeAnnouncement announcement = new EventDeserializer.NodeAnnouncements().deserialize(Topics.NODES,
                record.value());
        assertNotNull(announcement, "the announcement must be a readable NodeAnnouncement");
        assertEquals(NodeKind.SIGNALING, announcement.kind());
        assertEquals(record.key(), announcement.nodeId(), "keyed by its node id, so the compacted topic keeps one");
        assertTrue(announcement.nodeId().startsWith(IceConfigAnnouncer.NODE_ID_PREFIX), announcement.nodeId());
        assertEquals(CONFIGURED, announcement.iceUrls(), "every configured server, in order");
        assertNull(announcement.publicAddress());
        String json = new String(record.value(), StandardCharsets.UTF_8);
        assertFalse(json.contains("test-only-turn-secret") || json.contains("credential")
                || json.contains("username"), "no credentials or secrets in the announcement: " + json);
        Header type = record.headers().lastHeader("ce_type");
        assertNotNull(type, "CloudEvents binary mode");
        assertEquals("io.icemesh.node.signaling.v1", new String(type.value(), StandardCharsets.UTF_8));
    }

    @Test
    void theSameListGivesTheSameIdAndAnotherListAnother() {
        assertEquals(IceConfigAnnouncer.nodeIdOf(List.of("stun:a:3478")), IceConfigAnnouncer.nodeIdOf(
                List.of("stun:a:3478")));
        assertFalse(IceConfigAnnouncer.nodeIdOf(List.of("stun:a:3478")).equals(IceConfigAnnouncer.nodeIdOf(
                List.of("stun:a:3478", "stun:b:3478"))));
    }
}
