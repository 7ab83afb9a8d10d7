package io.icemesh.monitor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.events.v1.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads icemesh.server-health from the start; keeps the latest event per key (server URL). */
final class HealthEvents implements AutoCloseable {
    private final KafkaConsumer<String, ServerHealth> consumer;
    private final List<ConsumerRecord<String, ServerHealth>> seen = new ArrayList<>();
    boolean ceTypeSeen;

    HealthEvents() {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "probe-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new EventDeserializer.ServerHealths());
        consumer.subscribe(List.of(Topics.SERVER_HEALTH));
    }

    /** Polls once, then answers the newest event for the URL (null before any). */
    ServerHealth latest(String url) {
        for (ConsumerRecord<String, ServerHealth> r : consumer.poll(Duration.ofMillis(200))) {
            seen.add(r);
            Header ce = r.headers().lastHeader("ce_type");
            if (ce != null && new String(ce.value(), StandardCharsets.UTF_8).equals(
                    "io.icemesh.health.server_health.v1")) {
                ceTypeSeen = true;
            }
        }
        ServerHealth latest = null;
        for (ConsumerRecord<String, ServerHealth> r : seen) {
            if (url.equals(r.key()) && r.value() != null) {
                assertEquals(url, r.value().url(), "the key is the server URL");
                latest = r.value();
            }
        }
        return latest;
    }

    /** Events seen so far for the URL with the given verdict. */
    long count(String url, boolean healthy) {
        return seen.stream().filter(r -> url.equals(r.key()) && r.value() != null
                && r.value().healthy() == healthy).count();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
