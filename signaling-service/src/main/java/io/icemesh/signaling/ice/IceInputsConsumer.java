package io.icemesh.signaling.ice;

import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.ServerHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Feeds {@link IceServerDirectory} (and media node placement) from the compacted {@code icemesh.nodes} and {@code icemesh.server-health} topics.
 * Every signaling instance reads both topics whole (its own consumer group), so each knows every node and verdict.
 */
@ApplicationScoped
public class IceInputsConsumer {

    private final IceServerDirectory directory;
    private final io.icemesh.signaling.media.MediaNodes mediaNodes;
    private final Counter malformedHealth;

    IceInputsConsumer(IceServerDirectory directory, io.icemesh.signaling.media.MediaNodes mediaNodes,
            MeterRegistry meters) {
        this.directory = directory;
        this.mediaNodes = mediaNodes;
        this.malformedHealth = Counter.builder("icemesh.signaling.events.malformed")
                .description("Event records dropped because they could not be read").tag("topic", "server-health")
                .register(meters);
    }

    /** A null value is a tombstone (or unreadable): the node is withdrawn either way. */
    @Incoming("nodes")
    public void onNode(ConsumerRecord<String, NodeAnnouncement> record) {
        directory.onNode(record.key(), record.value());
        mediaNodes.onNode(record.key(), record.value());
    }

    @Incoming("server-health")
    public void onHealth(ConsumerRecord<String, ServerHealth> record) {
        if (record.value() == null) {
            malformedHealth.increment();
            return;
        }
        directory.onHealth(record.value());
    }
}
