package io.icemesh.monitor.probe;

import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.metrics.MalformedRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes the compacted {@code icemesh.nodes} topic so that every announced ICE server URL gets probed. Values
 * arrive as bytes and are read here, because a tombstone (null value: the node is gone) must not be mistaken for
 * an unreadable record (counted and dropped).
 */
@Startup
@ApplicationScoped
public class NodeAnnouncementConsumer {

    private static final Logger LOG = Logger.getLogger(NodeAnnouncementConsumer.class);

    private final EventDeserializer.NodeAnnouncements reader = new EventDeserializer.NodeAnnouncements();
    private final Prober prober;
    private final Counter malformed;

    NodeAnnouncementConsumer(Prober prober, MeterRegistry meters) {
        this.prober = prober;
        malformed = MalformedRecords.counter(meters, "nodes");
    }

    @Incoming("nodes")
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            if (record.key() != null) {
                prober.withdraw(record.key());
            }
            return;
        }
        NodeAnnouncement node = reader.deserialize(Topics.NODES, record.value());
        if (node == null) {
            malformed.increment();
            LOG.debugf("dropped unreadable node announcement at %s-%d@%d", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        prober.announce(node.nodeId(), node.iceUrls());
    }
}
