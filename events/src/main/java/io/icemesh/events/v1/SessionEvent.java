package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One entry of a session's ICE timeline, on {@link Topics#SESSION_EVENTS}, keyed by session id.
 * Fields that do not apply to a {@link SessionEventType} are null.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param type what happened
 * @param sessionId the signaling session id (also the user part of its TURN username)
 * @param roomId the room, where known
 * @param peerId the peer within the room, where known
 * @param source who observed it
 * @param timestampMs wall-clock time of the observation, epoch milliseconds
 * @param elapsedMs milliseconds since the session's start, for client-reported timings
 * @param candidateType host, srflx, prflx or relay
 * @param protocol udp, tcp or tls
 * @param serverUrl the ICE server URL a candidate came from
 * @param state an ICE connection state
 * @param localCandidateType local type of the selected pair
 * @param remoteCandidateType remote type of the selected pair
 * @param rttMs round-trip time of the selected pair
 * @param reason why a session failed or ended
 * @param candidatePort a server-reflexive candidate's port: what the client's NAT mapped its socket to
 * @param relatedPort that candidate's base port: the client's own socket (the mapping's inside end)
 * @param mediaNode the media-service node serving the session's SFU room (joined, moved), null in P2P rooms
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionEvent(
        int schemaVersion,
        SessionEventType type,
        String sessionId,
        String roomId,
        String peerId,
        EventSource source,
        long timestampMs,
        Long elapsedMs,
        String candidateType,
        String protocol,
        String serverUrl,
        String state,
        String localCandidateType,
        String remoteCandidateType,
        Double rttMs,
        String reason,
        Integer candidatePort,
        Integer relatedPort,
        String mediaNode) {

    /** A builder with the schema version and the given type, session and source set. */
    public static Builder builder(SessionEventType type, String sessionId, EventSource source) {
        return new Builder(type, sessionId, source);
    }

    /** The CloudEvents type of this event. */
    public String cloudEventType() {
        return EventSchema.cloudEventType("session", type);
    }

    /** Builds a {@link SessionEvent}; only type, session id and source are required. */
    public static final class Builder {
        private final SessionEventType type;
        private final String sessionId;
        private final EventSource source;
        private String roomId;
        private String peerId;
        private long timestampMs = System.currentTimeMillis();
        private Long elapsedMs;
        private String candidateType;
        private String protocol;
        private String serverUrl;
        private String state;
        private String localCandidateType;
        private String remoteCandidateType;
        private Double rttMs;
        private String reason;
        private Integer candidatePort;
        private Integer relatedPort;
        private String mediaNode;

        private Builder(SessionEventType type, String sessionId, EventSource source) {
            this.type = java.util.Objects.requireNonNull(type, "type");
            this.sessionId = java.util.Objects.requireNonNull(sessionId, "sessionId");
            this.source = java.util.Objects.requireNonNull(source, "source");
        }

        public Builder roomId(String v) { roomId = v; return this; }
        public Builder peerId(String v) { peerId = v; return this; }
        public Builder timestampMs(long v) { timestampMs = v; return this; }
        public Builder elapsedMs(Long v) { elapsedMs = v; return this; }
        public Builder candidateType(String v) { candidateType = v; return this; }
        public Builder protocol(String v) { protocol = v; return this; }
        public Builder serverUrl(String v) { serverUrl = v; return this; }
        public Builder state(String v) { state = v; return this; }
        public Builder localCandidateType(String v) { localCandidateType = v; return this; }
        public Builder remoteCandidateType(String v) { remoteCandidateType = v; return this; }
        public Builder rttMs(Double v) { rttMs = v; return this; }
        public Builder reason(String v) { reason = v; return this; }
        public Builder candidatePort(Integer v) { candidatePort = v; return this; }
        public Builder relatedPort(Integer v) { relatedPort = v; return this; }
        public Builder mediaNode(String v) { mediaNode = v; return this; }

        public SessionEvent build() {
            return new SessionEvent(EventSchema.VERSION, type, sessionId, roomId, peerId, source, timestampMs,
                    elapsedMs, candidateType, protocol, serverUrl, state, localCandidateType, remoteCandidateType,
                    rttMs, reason, candidatePort, relatedPort, mediaNode);
        }
    }
}
