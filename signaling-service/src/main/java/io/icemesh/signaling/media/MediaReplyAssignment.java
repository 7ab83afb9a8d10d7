package io.icemesh.signaling.media;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether the {@code media-replies} consumer has its partitions. It reads from the latest offset in a group of its
 * own, so before that a reply to an SFU command would be missed: readiness waits for it.
 */
@ApplicationScoped
@Default
@Identifier(MediaReplyAssignment.NAME)
public class MediaReplyAssignment implements KafkaConsumerRebalanceListener {

    /** The name the channel's {@code consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "media-replies-assignment";

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(
            MediaReplyAssignment.class);

    private volatile int partitions;

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
                LOG.warnf("%s: position of %s not resolved at assignment (%s); it is at the first fetch", "media replies",
                        tp, e.getMessage());
            }
        }
        partitions = assignment.size();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        partitions = 0;
    }
}
