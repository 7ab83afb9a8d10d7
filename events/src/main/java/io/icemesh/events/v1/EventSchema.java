package io.icemesh.events.v1;

/** Version of the event schema in this package; every event carries it in {@code schemaVersion}. */
public final class EventSchema {

    /** The schema version written by this package. Readers ignore unknown fields, so additions stay at 1. */
    public static final int VERSION = 1;

    /** CloudEvents {@code type} prefix; the full type is {@code io.icemesh.<topic kind>.<event type>.v1}. */
    public static final String CE_TYPE_PREFIX = "io.icemesh.";

    /**
     * The Kafka header of a record's CloudEvents id in binary mode (as SmallRye's connector and turn-service's own
     * encoder write it): the same id when a record is read twice.
     */
    public static final String CE_ID_HEADER = "ce_id";

    private EventSchema() {
    }

    /** CloudEvents type for an event kind and its type name, e.g. {@code io.icemesh.session.peer_joined.v1}. */
    public static String cloudEventType(String kind, Enum<?> type) {
        return CE_TYPE_PREFIX + kind + "." + type.name().toLowerCase(java.util.Locale.ROOT) + ".v" + VERSION;
    }
}
