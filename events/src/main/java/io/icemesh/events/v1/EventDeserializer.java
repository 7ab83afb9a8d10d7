package io.icemesh.events.v1;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserializer for one event record type. It is total: a value that is not valid JSON of the type,
 * or that carries a newer schema version than this reader knows, becomes null (consumers count and drop it)
 * instead of stopping the consumer. Subclasses fix the type so that Kafka can instantiate them by class name.
 */
public abstract class EventDeserializer<T> implements Deserializer<T> {

    private static final AtomicLong REJECTED = new AtomicLong();

    private final Class<T> type;

    protected EventDeserializer(Class<T> type) {
        this.type = type;
    }

    /** How many values any event deserializer in this JVM has turned into null because they were unreadable. */
    public static long rejectedCount() {
        return REJECTED.get();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            T value = EventJson.MAPPER.readValue(data, type);
            if (value == null || !supported(value)) {
                REJECTED.incrementAndGet();
                return null;
            }
            return value;
        } catch (IOException | RuntimeException e) {
            REJECTED.incrementAndGet();
            return null;
        }
    }

    /** Whether this reader understands the value (its schema version and required fields). */
    protected abstract boolean supported(T value);

    /** Reads {@link SessionEvent}. */
    public static class SessionEvents extends EventDeserializer<SessionEvent> {
        public SessionEvents() {
            super(SessionEvent.class);
        }

        @Override
        protected boolean supported(SessionEvent v) {
            return v.schemaVersion() == EventSchema.VERSION && v.type() != null && v.sessionId() != null;
        }
    }

    /** Reads {@link DoctorReport}. */
    public static class DoctorReports extends EventDeserializer<DoctorReport> {
        public DoctorReports() {
            super(DoctorReport.class);
        }

        @Override
        protected boolean supported(DoctorReport v) {
            return v.schemaVersion() == EventSchema.VERSION && v.reportId() != null && v.urls() != null
                    && v.urls().stream().allMatch(u -> u != null && u.url() != null && u.status() != null);
        }
    }

    /** Reads {@link TurnEvent}. */
    public static class TurnEvents extends EventDeserializer<TurnEvent> {
        public TurnEvents() {
            super(TurnEvent.class);
        }

        @Override
        protected boolean supported(TurnEvent v) {
            return v.schemaVersion() == EventSchema.VERSION && v.type() != null;
        }
    }

    /** Reads {@link NodeAnnouncement}. */
    public static class NodeAnnouncements extends EventDeserializer<NodeAnnouncement> {
        public NodeAnnouncements() {
            super(NodeAnnouncement.class);
        }

        @Override
        protected boolean supported(NodeAnnouncement v) {
            return v.schemaVersion() == EventSchema.VERSION && v.nodeId() != null && v.kind() != null;
        }
    }

    /** Reads {@link ServerHealth}. */
    public static class ServerHealths extends EventDeserializer<ServerHealth> {
        public ServerHealths() {
            super(ServerHealth.class);
        }

        @Override
        protected boolean supported(ServerHealth v) {
            return v.schemaVersion() == EventSchema.VERSION && v.url() != null;
        }
    }

    /** Reads {@link MediaCommand}. */
    public static class MediaCommands extends EventDeserializer<MediaCommand> {
        public MediaCommands() {
            super(MediaCommand.class);
        }

        @Override
        protected boolean supported(MediaCommand v) {
            return v.schemaVersion() == EventSchema.VERSION && v.type() != null && v.roomId() != null
                    && v.endpointId() != null;
        }
    }

    /** Reads {@link MediaReply}. */
    public static class MediaReplies extends EventDeserializer<MediaReply> {
        public MediaReplies() {
            super(MediaReply.class);
        }

        @Override
        protected boolean supported(MediaReply v) {
            return v.schemaVersion() == EventSchema.VERSION && v.type() != null && v.roomId() != null
                    && v.endpointId() != null;
        }
    }
}
