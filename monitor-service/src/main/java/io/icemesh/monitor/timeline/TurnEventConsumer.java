package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.TurnEvent;
import io.icemesh.monitor.metrics.MalformedRecords;
import io.icemesh.monitor.metrics.TurnEventMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code icemesh.turn-events}: every event feeds the TURN metrics, and events whose username names a
 * session (TURN REST {@code expiry:sessionId}) go to {@link Timelines}, which joins them to that session's timeline
 * (refusals only to a timeline that exists). Unreadable records are counted and dropped.
 */
@Startup
@ApplicationScoped
public class TurnEventConsumer {

    private static final Logger LOG = Logger.getLogger(TurnEventConsumer.class);

    private final Timelines timelines;
    private final TurnEventMetrics turnMetrics;
    private final Counter malformed;

    TurnEventConsumer(Timelines timelines, TurnEventMetrics turnMetrics, MeterRegistry meters) {
        this.timelines = timelines;
        this.turnMetrics = turnMetrics;
        malformed = MalformedRecords.counter(meters, "turn-events");
    }

    /** One poll's records at a time (batch mode), like the session events. */
    @Incoming("turn-events")
    public void onEvents(ConsumerRecords<String, TurnEvent> records) {
        for (ConsumerRecord<String, TurnEvent> record : records) {
            onEvent(record);
        }
    }

    private void onEvent(ConsumerRecord<String, TurnEvent> record) {
        TurnEvent event = record.value();
        if (event == null) {
            malformed.increment();
            LOG.debugf("dropped unreadable turn event at %s-%d@%d", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        turnMetrics.record(event);
        timelines.apply(event);
    }
}
