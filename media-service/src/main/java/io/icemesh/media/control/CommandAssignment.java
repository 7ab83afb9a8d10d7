package io.icemesh.media.control;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Default;
import jakarta.inject.Inject;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Whether the {@code media-commands} consumer has its partitions. A node reads commands from the latest offset (a new
 * node must not replay commands sent before it existed), so until the consumer is assigned, a command for it would be
 * missed: the node is not ready and does not announce itself before then, so signaling places no room on it.
 */
@ApplicationScoped
@Default
@Identifier(CommandAssignment.NAME)
public class CommandAssignment implements KafkaConsumerRebalanceListener {

    /** The name the channel's {@code consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "media-commands-assignment";

    /** Fired when the consumer got its partitions. */
    public record Assigned(int partitions) {
    }

    private static final Logger LOG = Logger.getLogger(CommandAssignment.class);

    private volatile int partitions;

    @Inject
    Event<Assigned> assigned;

    public boolean assigned() {
        return partitions > 0;
    }

    public int partitions() {
        return partitions;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assignment) {
        // With no committed offset, "latest" is looked up at the first fetch, after this returns: a record written
        // between then and now would be skipped although the node already said it was ready. Asking for each position
        // here (on the polling thread, as a rebalance listener may) fixes "latest" before readiness turns UP.
        for (TopicPartition tp : assignment) {
            try {
                consumer.position(tp);
            } catch (RuntimeException e) {
                LOG.warnf("%s: position of %s not resolved at assignment (%s); it is at the first fetch", "media commands",
                        tp, e.getMessage());
            }
        }
        partitions = assignment.size();
        LOG.infof("media commands: %d partitions assigned", partitions);
        if (partitions > 0) {
            assigned.fire(new Assigned(partitions));
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        partitions = 0;
    }
}
