package io.icemesh.turn.interop;

import static org.awaitility.Awaitility.await;

import io.icemesh.broker.KafkaBrokerResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from the beginning with a plain Kafka consumer: the first record that matches, or all under a key. */
public final class KafkaTestConsumer {

    private KafkaTestConsumer() {
    }

    /** The first record of {@code topic} matching, or null after {@code timeout}. */
    public static ConsumerRecord<String, String> find(String topic, Predicate<ConsumerRecord<String, String>> match,
            Duration timeout) {
        Properties p = properties(KafkaBrokerResource.broker().bootstrapServers());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (match.test(r)) {
                        return r;
                    }
                }
            }
            return null;
        }
    }

    /**
     * Every record of {@code topic} under {@code key}, in the order of its partition, read from the beginning until
     * {@code count} have come (or {@code timeout} fails the test), and then for one more poll of a second, so that a
     * duplicate or a record too many shows.
     */
    public static List<ConsumerRecord<String, byte[]>> records(String bootstrapServers, String topic, String key,
            int count, Duration timeout) {
        Properties p = properties(bootstrapServers);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            await().atMost(timeout).until(() -> {
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

    private static Properties properties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "turn-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    /** A header value as text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
