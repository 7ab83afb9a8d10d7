package io.icemesh.events.v1;

/**
 * Kafka topic names of the icemesh event contract. Each topic has one owner that produces it;
 * keys give ordering (session id, allocation id, room id or server URL).
 */
public final class Topics {

    /** Session timeline events from signaling (client reports and its own) and media-service; key: session id. */
    public static final String SESSION_EVENTS = "icemesh.session-events";
    /** Allocation life cycle and traffic from turn-service; key: session id, else allocation id. */
    public static final String TURN_EVENTS = "icemesh.turn-events";
    /**
     * turn-service's JIT warm-up: the events of its private allocations at boot, sent through the node's own producer
     * so that the first real events meet compiled code; nobody reads them, kept a minute. Key: session id.
     */
    public static final String TURN_WARM_UP = "icemesh.turn-warm-up";
    /** Commands from signaling to media-service; key: room id. */
    public static final String MEDIA_COMMANDS = "icemesh.media-commands";
    /** Replies from media-service to signaling; key: room id. */
    public static final String MEDIA_REPLIES = "icemesh.media-replies";
    /** Probe results per ICE server URL (compacted); key: server URL. */
    public static final String SERVER_HEALTH = "icemesh.server-health";
    /**
     * Announcements of turn and media nodes, and of the ICE servers signaling is configured with (compacted); key:
     * node id.
     */
    public static final String NODES = "icemesh.nodes";
    /** ICE doctor results users chose to share, from signaling's {@code POST /api/doctor/reports}; key: report id. */
    public static final String DOCTOR_REPORTS = "icemesh.doctor-reports";

    /**
     * signaling's room log: every command that changes a room, read whole by every signaling instance; key: room id.
     * Internal to signaling (its JSON is not part of the v1 event records).
     */
    public static final String SIGNALING_ROOMS = "icemesh.signaling.rooms";
    /** Snapshots of signaling's rooms and room log checkpoints (compacted); keys {@code room:<id>}, {@code checkpoint:<n>}. */
    public static final String SIGNALING_ROOM_SNAPSHOTS = "icemesh.signaling.room-snapshots";
    /** Heartbeats of signaling instances; key: instance id. */
    public static final String SIGNALING_INSTANCES = "icemesh.signaling.instances";

    private Topics() {
    }
}
