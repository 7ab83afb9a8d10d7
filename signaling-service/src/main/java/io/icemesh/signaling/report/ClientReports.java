package io.icemesh.signaling.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.ice.IceUrl;
import io.icemesh.signaling.room.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a client's ICE timeline report into session events, after checking every entry: a report with one bad
 * entry is refused whole (the reply names the entry and why), so the timeline never holds half a report.
 *
 * <p>Entry form: {@code {"event": "...", "t": <ms since the client's session start>, ...}}; see
 * docs/signaling-protocol.md for each event's fields.
 */
public final class ClientReports {

    /** Latest client time accepted: ten minutes covers any call set-up worth timing. */
    static final long MAX_ELAPSED_MS = 600_000;
    static final int MAX_TEXT = 256;

    private static final Map<String, SessionEventType> EVENTS = Map.of(
            "gathering-started", SessionEventType.GATHERING_STARTED,
            "candidate", SessionEventType.CANDIDATE_GATHERED,
            "gathering-complete", SessionEventType.GATHERING_COMPLETE,
            "ice-state", SessionEventType.ICE_STATE_CHANGED,
            "selected-pair", SessionEventType.SELECTED_PAIR,
            "first-media", SessionEventType.FIRST_MEDIA,
            "failed", SessionEventType.FAILED);
    private static final Set<String> CANDIDATE_TYPES = Set.of("host", "srflx", "prflx", "relay");
    private static final Set<String> PROTOCOLS = Set.of("udp", "tcp", "tls");
    /** RTCIceConnectionState values (W3C webrtc-pc). */
    private static final Set<String> STATES = Set.of("new", "checking", "connected", "completed", "failed",
            "disconnected", "closed");

    private ClientReports() {
    }

    /** A report entry that failed its check. */
    public static final class BadReportException extends Exception {
        public BadReportException(String message) {
            super(message, null, false, false);
        }
    }

    public static List<SessionEvent> toEvents(JsonNode entries, Member peer, int maxEntries) throws BadReportException {
        if (entries == null || !entries.isArray() || entries.isEmpty()) {
            throw new BadReportException("\"entries\" must be a non-empty array");
        }
        if (entries.size() > maxEntries) {
            throw new BadReportException("at most " + maxEntries + " entries per report");
        }
        List<SessionEvent> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            out.add(toEvent(entries.get(i), i, peer));
        }
        return out;
    }

    private static SessionEvent toEvent(JsonNode e, int i, Member peer) throws BadReportException {
        if (!e.isObject()) {
            throw bad(i, "is not an object");
        }
        SessionEventType type = EVENTS.get(e.path("event").asText(""));
        if (type == null) {
            throw bad(i, "has unknown event \"" + e.path("event").asText("") + "\"");
        }
        JsonNode t = e.path("t");
        if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() > MAX_ELAPSED_MS) {
            throw bad(i, "needs \"t\", whole milliseconds 0.." + MAX_ELAPSED_MS);
        }
        SessionEvent.Builder b = SessionEvent.builder(type, peer.sessionId(), EventSource.CLIENT)
                .roomId(peer.room()).peerId(peer.peerId()).elapsedMs(t.asLong());
        switch (type) {
            case CANDIDATE_GATHERED -> {
                b.candidateType(oneOf(e, "candidateType", CANDIDATE_TYPES, i, true));
                b.protocol(oneOf(e, "protocol", PROTOCOLS, i, false));
                String url = text(e, "url", i);
                if (url != null && IceUrl.parse(url) == null) {
                    throw bad(i, "has a \"url\" that is not an ICE server URL");
                }
                b.serverUrl(url);
                b.candidatePort(port(e, "port", i));
                b.relatedPort(port(e, "relatedPort", i));
            }
            case ICE_STATE_CHANGED -> b.state(oneOf(e, "state", STATES, i, true));
            case SELECTED_PAIR -> {
                b.localCandidateType(oneOf(e, "local", CANDIDATE_TYPES, i, true));
                b.remoteCandidateType(oneOf(e, "remote", CANDIDATE_TYPES, i, true));
                b.protocol(oneOf(e, "protocol", PROTOCOLS, i, false));
                JsonNode rtt = e.path("rttMs");
                if (!rtt.isMissingNode() && !rtt.isNull()) {
                    if (!rtt.isNumber() || rtt.asDouble() < 0 || rtt.asDouble() > MAX_ELAPSED_MS) {
                        throw bad(i, "has an invalid \"rttMs\"");
                    }
                    b.rttMs(rtt.asDouble());
                }
            }
            case FAILED -> b.reason(text(e, "reason", i));
            default -> { }
        }
        return b.build();
    }

    private static String oneOf(JsonNode e, String field, Set<String> allowed, int i, boolean required)
            throws BadReportException {
        JsonNode v = e.path(field);
        if (v.isMissingNode() || v.isNull()) {
            if (required) {
                throw bad(i, "needs \"" + field + "\"");
            }
            return null;
        }
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw bad(i, "has \"" + field + "\" not one of " + allowed);
        }
        return v.asText();
    }

    private static Integer port(JsonNode e, String field, int i) throws BadReportException {
        JsonNode v = e.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > 65535) {
            throw bad(i, "has \"" + field + "\" that is not a port 1..65535");
        }
        return v.asInt();
    }

    private static String text(JsonNode e, String field, int i) throws BadReportException {
        JsonNode v = e.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > MAX_TEXT) {
            throw bad(i, "has \"" + field + "\" that is not a string of at most " + MAX_TEXT + " characters");
        }
        return v.asText();
    }

    private static BadReportException bad(int index, String why) {
        return new BadReportException("entry " + index + " " + why);
    }
}
