package io.icemesh.monitor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.events.v1.Topics;
import io.icemesh.testkit.KafkaTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads icemesh.server-health from the start; keeps the latest event per key (server URL). */
final class HealthEvents implements AutoCloseable {
    private final KafkaConsumer<String, ServerHealth> consumer;
    private final List<ConsumerRecord<String, ServerHealth>> seen = new ArrayList<>();
    boolean ceTypeSeen;

    HealthEvents() {
        consumer = KafkaTestClient.consumer(KafkaBrokerResource.broker().bootstrapServers(), Topics.SERVER_HEALTH,
                new EventDeserializer.ServerHealths());
    }

    /** Polls once, then answers the newest event for the URL (null before any). */
    ServerHealth latest(String url) {
        for (ConsumerRecord<String, ServerHealth> r : consumer.poll(Duration.ofMillis(200))) {
            seen.add(r);
            if ("io.icemesh.health.server_health.v1".equals(KafkaTestClient.header(r, "ce_type"))) {
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
