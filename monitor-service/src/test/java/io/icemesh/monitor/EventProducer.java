package io.icemesh.monitor;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventSerializer;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A raw Kafka producer on the test broker that writes icemesh events the way the services do (JSON values, keys). */
public final class EventProducer implements AutoCloseable {

    private final EventSerializer serializer = new EventSerializer();
    private final KafkaProducer<String, byte[]> producer;

    public EventProducer() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends one event (null value: a tombstone) and waits for the broker's acknowledgement. */
    public void send(String topic, String key, Object event) {
        try {
            producer.send(new ProducerRecord<>(topic, key, event == null ? null : serializer.serialize(topic, event)))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the broker refused a record on " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
