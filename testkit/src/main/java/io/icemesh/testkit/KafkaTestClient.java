package io.icemesh.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads what the services published back from the real broker: a plain Kafka consumer in a group of its own, from the
 * beginning of the topic, with string keys. The one way tests read topics.
 */
public final class KafkaTestClient {

    private KafkaTestClient() {
    }

    /** A consumer in a fresh group that reads {@code topic} from its beginning; the caller closes it. */
    public static <T> KafkaConsumer<String, T> consumer(String bootstrapServers, String topic, Deserializer<T> values) {
        KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "icemesh-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), values);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** The first readable record of {@code topic} that matches, or null after {@code timeout}. */
    public static <T> ConsumerRecord<String, T> find(String bootstrapServers, String topic, Deserializer<T> values,
            Predicate<ConsumerRecord<String, T>> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, T> consumer = consumer(bootstrapServers, topic, values)) {
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && match.test(r)) {
                        return r;
                    }
                }
            }
        }
        return null;
    }

    /** The first readable record of {@code topic} that matches; fails the test after {@code timeout}. */
    public static <T> ConsumerRecord<String, T> await(String bootstrapServers, String topic, Deserializer<T> values,
            Predicate<ConsumerRecord<String, T>> match, Duration timeout) {
        ConsumerRecord<String, T> r = find(bootstrapServers, topic, values, match, timeout);
        if (r == null) {
            throw new AssertionError("no matching record on " + topic + " within " + timeout.toSeconds() + " s");
        }
        return r;
    }

    /**
     * Every record of {@code topic} under {@code key}, in the order of its partition, read from the beginning until
     * {@code count} have come (or {@code timeout} fails the test), and then for one more poll of a second, so that a
     * duplicate or a record too many shows.
     */
    public static List<ConsumerRecord<String, byte[]>> records(String bootstrapServers, String topic, String key,
            int count, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrapServers, topic, new ByteArrayDeserializer())) {
            Awaitility.await().atMost(timeout).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (key.equals(r.key())) {
                        records.add(r);
                    }
                });
                return records.size() >= count;
            });
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> {
                if (key.equals(r.key())) {
                    records.add(r);
                }
            });
        }
        return records;
    }

    /** A header's value as UTF-8, or null when the record has none of that name. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
