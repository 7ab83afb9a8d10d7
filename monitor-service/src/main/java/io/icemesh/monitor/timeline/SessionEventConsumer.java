package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.monitor.metrics.MalformedRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code icemesh.session-events}, counts them by type and feeds them into the session timelines.
 * Unreadable records arrive with a null value (the event deserializer is total): they are counted as malformed
 * and the stream goes on. Delivery is at least once: a record read again (its partition was revoked before its offset
 * was committed, as when the broker restarts) is recognised by its CloudEvents id ({@code ce_id}) among the last
 * {@link #RECENT_IDS} and counted as a duplicate, not as a second event. Created at start-up so that its meters are
 * exported, at zero, before the first event.
 */
@Startup
@ApplicationScoped
public class SessionEventConsumer {

    private static final Logger LOG = Logger.getLogger(SessionEventConsumer.class);

    /** Event ids remembered to recognise a record read twice (a rebalance re-reads at most one poll's worth). */
    static final int RECENT_IDS = 65_536;

    private final Map<SessionEventType, Counter> byType = new EnumMap<>(SessionEventType.class);
    private final Counter malformed;
    private final Counter duplicates;
    private final Map<String, Boolean> recentIds = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT_IDS;
        }
    };
    private final Timelines timelines;

    SessionEventConsumer(MeterRegistry meters, Timelines timelines) {
        this.timelines = timelines;
        for (SessionEventType type : SessionEventType.values()) {
            byType.put(type, Counter.builder("icemesh.monitor.session.events")
                    .description("Session events consumed, by event type")
                    .tag("type", type.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        malformed = MalformedRecords.counter(meters, "session-events");
        duplicates = Counter.builder("icemesh.monitor.events.duplicate")
                .description("Event records read again (same CloudEvents id) and not applied twice")
                .tag("topic", "session-events")
                .register(meters);
    }

    /** One poll's records at a time (batch mode): per-record overhead of the messaging layer dominated before. */
    @Incoming("session-events")
    public void onEvents(ConsumerRecords<String, SessionEvent> records) {
        for (ConsumerRecord<String, SessionEvent> record : records) {
            onEvent(record);
        }
    }

    private synchronized boolean firstTime(String eventId) {
        return recentIds.put(eventId, Boolean.TRUE) == null;
    }

    private void onEvent(ConsumerRecord<String, SessionEvent> record) {
        SessionEvent event = record.value();
        if (event == null) {
            malformed.increment();
            LOG.debugf("dropped unreadable session event at %s-%d@%d", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        Header id = record.headers().lastHeader(EventSchema.CE_ID_HEADER);
        if (id != null && !firstTime(new String(id.value(), StandardCharsets.UTF_8))) {
            duplicates.increment();
            LOG.debugf("session event %s at %s-%d@%d read again: not applied twice", event.type(), record.topic(),
                    record.partition(), record.offset());
            return;
        }
        timelines.apply(event);
        byType.get(event.type()).increment();
    }
}
