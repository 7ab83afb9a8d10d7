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

    private volatile int partitions;

    public boolean assigned() {
        return partitions > 0;
    }

    public int partitions() {
        return partitions;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assignment) {
        partitions = assignment.size();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        partitions = 0;
    }
}
