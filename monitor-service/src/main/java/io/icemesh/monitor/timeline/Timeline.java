package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.monitor.metrics.CandidateLabels;
import io.icemesh.monitor.metrics.FailureReason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One session's ICE timeline, joined from session events (client, signaling, media) and TURN events. Times are
 * offsets from the session's start: an event's {@code elapsedMs} where the observer reported one, otherwise its
 * timestamp minus the session's earliest timestamp. Each milestone is reported once, when first reached.
 * Not thread-safe: {@link TimelineStore} serialises access.
 */
final class Timeline {

    private static final String STATE_CONNECTED = "connected";
    private static final String STATE_COMPLETED = "completed";
    private static final String STATE_FAILED = "failed";
    private static final String ICE_FAILED_TEXT = "ICE connection state failed";
    /** TURN refusals kept per timeline, the most recent: the diagnosis names the last one. */
    static final int MAX_TURN_FAILURES = 16;

    private final String sessionId;
    private final int maxEntries;
    private final List<TimelineEntry> entries = new ArrayList<>();
    private int entriesDropped;
    private String roomId;
    private String peerId;
    private long firstTimestampMs = Long.MAX_VALUE;
    private long lastUpdateMs;
    private TimelineEntry gatheringStarted;
    private Long gatheringMs;
    private Long connectedMs;
    private Long firstMediaMs;
    /**
     * Whether a session event arrived: only sessions that joined on signaling have them (signaling's own, the
     * client's reports, media-service's). A timeline with TURN events alone is a credential in use without a join.
     */
    private boolean joined;
    private boolean failed;
    private boolean closed;
    private String failureText;
    private FailureReason failureReason;
    private final Set<String> candidateTypes = new TreeSet<>();
    private final Set<String> candidateServers = new LinkedHashSet<>();
    /** Server-reflexive mappings by the client's socket port: STUN server URL to the port its NAT showed. */
    private final Map<Integer, Map<String, Integer>> mappings = new HashMap<>();
    private String natEvidence;
    private String mediaNode;
    private TimelineView.SelectedPair pair;
    private int turnAllocations;
    private final List<TimelineView.TurnFailure> turnFailures = new ArrayList<>();

    /** Sockets (and servers per socket) whose mappings are kept: enough for a few peer links. */
    private static final int MAX_MAPPED_SOCKETS = 16;

    Timeline(String sessionId, int maxEntries) {
        this.sessionId = sessionId;
        this.maxEntries = maxEntries;
    }

    long lastUpdateMs() {
        return lastUpdateMs;
    }

    String failureText() {
        return failureText;
    }

    FailureReason failureReason() {
        return failureReason;
    }

    /** Applies a session event; returns the milestones it reached for the first time. */
    List<Milestone> apply(SessionEvent e, long nowMs) {
        TimelineEntry entry = new TimelineEntry(e.timestampMs(), e.elapsedMs(),
                e.source().name().toLowerCase(Locale.ROOT), e.type().name().toLowerCase(Locale.ROOT), detailOf(e));
        store(entry, nowMs);
        joined = true;
        if (roomId == null) {
            roomId = e.roomId();
        }
        if (peerId == null) {
            peerId = e.peerId();
        }
        if (e.mediaNode() != null) {
            mediaNode = e.mediaNode();
        }
        List<Milestone> reached = new ArrayList<>(1);
        switch (e.type()) {
            case GATHERING_STARTED -> {
                if (gatheringStarted == null) {
                    gatheringStarted = entry;
                }
            }
            case CANDIDATE_GATHERED -> {
                candidateTypes.add(CandidateLabels.type(e.candidateType()));
                if (e.serverUrl() != null) {
                    candidateServers.add(e.serverUrl());
                }
                mapping(e);
            }
            case GATHERING_COMPLETE -> {
                if (gatheringMs == null) {
                    long start = gatheringStarted == null ? 0 : offset(gatheringStarted);
                    gatheringMs = Math.max(0, offset(entry) - start);
                    reached.add(new Milestone(Milestone.Kind.GATHERED, gatheringMs));
                }
            }
            case ICE_STATE_CHANGED -> onIceState(e.state(), entry, reached);
            case SELECTED_PAIR -> pair = new TimelineView.SelectedPair(CandidateLabels.type(e.localCandidateType()),
                    CandidateLabels.type(e.remoteCandidateType()), CandidateLabels.protocol(e.protocol()), e.rttMs());
            case FIRST_MEDIA -> {
                if (firstMediaMs == null) {
                    firstMediaMs = Math.max(0, offset(entry));
                    reached.add(new Milestone(Milestone.Kind.FIRST_MEDIA, firstMediaMs));
                }
            }
            case FAILED -> fail(e.reason(), reached);
            case CLOSED, PEER_LEFT -> close(reached);
            default -> {
                // joins and relayed SDP only mark the timeline
            }
        }
        return reached;
    }

    /** Applies a TURN event of an allocation tied to this session. */
    void apply(TurnEvent t, long nowMs) {
        store(new TimelineEntry(t.timestampMs(), null, "turn", t.type().name().toLowerCase(Locale.ROOT),
                detailOf(t)), nowMs);
        if (t.type() == TurnEventType.ALLOCATION_CREATED) {
            turnAllocations++;
        } else if (t.type() == TurnEventType.AUTH_FAILED || t.type() == TurnEventType.REJECTED) {
            if (turnFailures.size() == MAX_TURN_FAILURES) {
                turnFailures.remove(0);
            }
            turnFailures.add(new TimelineView.TurnFailure(t.type().name(), t.reason()));
        }
    }

    private void onIceState(String state, TimelineEntry entry, List<Milestone> reached) {
        String s = state == null ? "" : state.toLowerCase(Locale.ROOT);
        if ((STATE_CONNECTED.equals(s) || STATE_COMPLETED.equals(s)) && connectedMs == null && !failed) {
            connectedMs = Math.max(0, offset(entry));
            reached.add(new Milestone(Milestone.Kind.CONNECTED, connectedMs));
        } else if (STATE_FAILED.equals(s)) {
            fail(ICE_FAILED_TEXT, reached);
        }
    }

    private void fail(String text, List<Milestone> reached) {
        if (failed) {
            return;
        }
        failed = true;
        failureText = text == null || text.isBlank() ? ICE_FAILED_TEXT : text;
        FailureReason r = FailureReason.classify(failureText);
        boolean genericFailure = r == FailureReason.ICE_FAILED || r == FailureReason.OTHER;
        boolean turnRefusedAuth = turnFailures.stream().anyMatch(f -> "AUTH_FAILED".equals(f.type()));
        failureReason = genericFailure && turnRefusedAuth && !candidateTypes.contains("relay")
                ? FailureReason.TURN_AUTH : r;
        reached.add(new Milestone(connectedMs == null ? Milestone.Kind.FAILED : Milestone.Kind.FAILED_AFTER_CONNECTED,
                0));
    }

    /**
     * Ends a session that went quiet before connecting, failing or closing (no event for {@code afterMs}) as
     * abandoned; true when it did now, and it had joined (so it counts as an abandoned outcome).
     */
    boolean abandonIfIdle(long nowMs, long afterMs) {
        if (closed || failed || connectedMs != null || nowMs - lastUpdateMs <= afterMs) {
            return false;
        }
        closed = true;
        return joined;
    }

    private void close(List<Milestone> reached) {
        if (!closed && connectedMs == null && !failed) {
            reached.add(new Milestone(Milestone.Kind.ABANDONED, 0));
        }
        closed = true;
    }

    private void store(TimelineEntry entry, long nowMs) {
        firstTimestampMs = Math.min(firstTimestampMs, entry.timestampMs());
        lastUpdateMs = nowMs;
        if (entries.size() < maxEntries) {
            entries.add(entry);
        } else {
            entriesDropped++;
        }
    }

    private long offset(TimelineEntry entry) {
        return entry.elapsedMs() != null ? entry.elapsedMs() : entry.timestampMs() - firstTimestampMs;
    }

    private String status() {
        if (failed) {
            return "failed";
        }
        if (connectedMs != null) {
            return closed ? "closed" : "connected";
        }
        if (closed) {
            return "abandoned";
        }
        return joined ? "connecting" : "unjoined";
    }

    /**
     * Records a server-reflexive candidate's mapping; one socket mapped to two ports by two STUN servers is the
     * evidence of a NAT whose mapping depends on the destination (symmetric).
     */
    private void mapping(SessionEvent e) {
        if (natEvidence != null || !"srflx".equals(e.candidateType())
                || e.candidatePort() == null || e.relatedPort() == null
                || (!mappings.containsKey(e.relatedPort()) && mappings.size() >= MAX_MAPPED_SOCKETS)) {
            return;
        }
        // Without the server's URL (a client that does not know it) each mapping stands for a server of its own: a
        // client gathers one server-reflexive candidate per server and mapping, so two ports for one socket in one
        // gathering still mean two destinations.
        String server = e.serverUrl() != null ? e.serverUrl() : "port " + e.candidatePort();
        Map<String, Integer> bySocket = mappings.computeIfAbsent(e.relatedPort(), p -> new LinkedHashMap<>());
        for (Map.Entry<String, Integer> seen : bySocket.entrySet()) {
            if (!seen.getKey().equals(server) && !seen.getValue().equals(e.candidatePort())) {
                natEvidence = "its NAT mapped socket port " + e.relatedPort() + " to port " + seen.getValue()
                        + towards(seen.getKey()) + " and to port " + e.candidatePort() + towards(e.serverUrl())
                        + (e.serverUrl() == null ? " (two STUN servers)" : "");
                return;
            }
        }
        if (bySocket.size() < MAX_MAPPED_SOCKETS) {
            bySocket.putIfAbsent(server, e.candidatePort());
        }
    }

    private static String towards(String server) {
        return server == null || server.startsWith("port ") ? "" : " towards " + server;
    }

    /** An immutable copy. */
    TimelineView view() {
        List<TimelineView.Entry> copied = new ArrayList<>(entries.size());
        for (TimelineEntry e : entries) {
            copied.add(new TimelineView.Entry(offset(e), e.timestampMs(), e.source(), e.type(), e.detail()));
        }
        return new TimelineView(sessionId, roomId, peerId, status(), firstTimestampMs, lastUpdateMs, gatheringMs,
                connectedMs, firstMediaMs, Collections.unmodifiableSet(new TreeSet<>(candidateTypes)),
                Collections.unmodifiableSet(new LinkedHashSet<>(candidateServers)), pair, failureText,
                failureReason == null ? null : failureReason.label(), turnAllocations, List.copyOf(turnFailures),
                Collections.unmodifiableList(copied), entriesDropped, natEvidence, mediaNode);
    }

    private static String detailOf(SessionEvent e) {
        StringBuilder b = new StringBuilder();
        append(b, e.candidateType());
        append(b, e.protocol());
        if (e.serverUrl() != null) {
            append(b, "from " + e.serverUrl());
        }
        if (e.mediaNode() != null && e.type() != SessionEventType.MEDIA_MOVED) {
            append(b, "on media node " + e.mediaNode());
        }
        if (e.candidatePort() != null && e.relatedPort() != null) {
            append(b, "socket port " + e.relatedPort() + " mapped to " + e.candidatePort());
        }
        append(b, e.state());
        if (e.localCandidateType() != null || e.remoteCandidateType() != null) {
            append(b, e.localCandidateType() + "/" + e.remoteCandidateType());
        }
        if (e.rttMs() != null) {
            append(b, "rtt " + e.rttMs() + " ms");
        }
        append(b, e.reason());
        return b.toString();
    }

    private static String detailOf(TurnEvent t) {
        StringBuilder b = new StringBuilder();
        append(b, t.transport());
        if (t.relayAddress() != null) {
            append(b, "relay " + t.relayAddress());
        }
        if (t.peerAddress() != null) {
            append(b, "peer " + t.peerAddress());
        }
        if (t.nodeId() != null) {
            append(b, "on " + t.nodeId());
        }
        append(b, t.reason());
        return b.toString();
    }

    private static void append(StringBuilder b, String part) {
        if (part == null || part.isBlank()) {
            return;
        }
        if (!b.isEmpty()) {
            b.append(' ');
        }
        b.append(part);
    }
}
