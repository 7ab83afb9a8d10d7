package io.icemesh.signaling;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.Topics;
import io.icemesh.testkit.KafkaTestClient;
import java.time.Duration;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads session events (and other event records) back from the real broker. */
final class SessionEvents {

    private SessionEvents() {
    }

    /** The first session event on the topic that matches, read from the beginning; fails after 30 s. */
    static ConsumerRecord<String, SessionEvent> await(Predicate<ConsumerRecord<String, SessionEvent>> match) {
        return await(Topics.SESSION_EVENTS, new EventDeserializer.SessionEvents(), match);
    }

    /** The first readable record on {@code topic} that matches, read from the beginning; fails after 30 s. */
    static <T> ConsumerRecord<String, T> await(String topic, Deserializer<T> values,
            Predicate<ConsumerRecord<String, T>> match) {
        return KafkaTestClient.await(KafkaBrokerResource.broker().bootstrapServers(), topic, values, match,
                Duration.ofSeconds(30));
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        return KafkaTestClient.header(record, name);
    }
}
