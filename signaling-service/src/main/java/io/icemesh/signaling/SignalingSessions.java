package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.events.SessionEventPublisher;
import io.icemesh.signaling.ice.IceServerDirectory;
import io.icemesh.signaling.media.MediaGateway;
import io.icemesh.signaling.media.MediaNodes;
import io.icemesh.signaling.media.QualityRequest;
import io.icemesh.signaling.media.RoomMover;
import io.icemesh.signaling.relay.RelayMessage;
import io.icemesh.signaling.report.ClientReports;
import io.icemesh.signaling.room.Delivery;
import io.icemesh.signaling.room.Member;
import io.icemesh.signaling.room.Outcome;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.signaling.room.RoomStateMachine;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Signaling sessions on this instance's sockets: join with a room token, resume after a dropped socket, relay,
 * reports, leave. Room state is not kept here: every change is a command on the room log ({@link RoomLog}), and what
 * it did comes back when this instance applies it, so any instance can serve any peer of any room. A dropped peer
 * keeps its place for the resume grace time, then leaves for good.
 */
@ApplicationScoped
public class SignalingSessions implements RoomLog.Listener {

    private static final Logger LOG = Logger.getLogger(SignalingSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The pseudo peer id of media-service in an SFU room. */
    public static final String SFU = "sfu";
    /**
     * Close reason for sockets of an instance that shuts down: the client resumes on another instance. 1012 is
     * "Service Restart" (IANA WebSocket close code registry).
     */
    public static final CloseReason DRAINING = new CloseReason(1012, "resume-elsewhere");

    /** A reply to the sender: a message, an error, or nothing ({@code null} reply). */
    public record Reply(ObjectNode message, String errorCode, String errorMessage) {
        static Reply of(ObjectNode message) {
            return new Reply(message, null, null);
        }

        static Reply error(String code, String message) {
            return new Reply(null, code, message);
        }
    }

    /** A socket of this instance speaking for a session; {@code epoch} 0 until the log confirmed a resume. */
    private record Binding(String sessionId, String room, RoomMode mode, long epoch) {
    }

    private final ObjectMapper json;
    private final RoomTokens tokens;
    private final RoomLog log;
    private final RoomStateMachine rooms;
    private final IceServerDirectory iceServers;
    private final SessionEventPublisher events;
    private final MediaNodes mediaNodes;
    private final MediaGateway media;
    private final RoomMover mover;
    private final String me;
    /** Per session, when this instance last wrote its client's stall report (at most one a second). */
    private final Map<String, Long> stallWritten = new ConcurrentHashMap<>();
    /** Per session whose socket this instance holds, when its room last moved (its stall reports wait a while). */
    private final Map<String, Long> movedAt = new ConcurrentHashMap<>();
    /** Every open socket of this instance. */
    private final Map<String, WebSocketConnection> sockets = new ConcurrentHashMap<>();
    /** Sockets that speak for a session. */
    private final Map<String, Binding> bound = new ConcurrentHashMap<>();
    /**
     * Sockets whose client asked for early relays ({@code earlyRelay} in its join or resume) and heard its
     * {@code joined} or {@code resumed} (with the replay): nothing early may overtake those.
     */
    private final java.util.Set<String> earlyRelay = ConcurrentHashMap.newKeySet();
    /** Sockets that asked for early relays and wait for their join or resume to be applied. */
    private final java.util.Set<String> earlyRelayAsked = ConcurrentHashMap.newKeySet();
    /**
     * Per sender and addressee ({@link #pairKey}), the relay ids of relays written to the log without an early copy
     * and not applied yet: while there are any, an early copy would overtake them, so the next relays wait for the
     * log too. A pair's set is only read or changed inside the map's per-key {@code compute}, and goes when empty.
     */
    private final Map<String, java.util.Set<String>> logOnlyInFlight = new ConcurrentHashMap<>();
    /** Relay ids: this process's random prefix and a counter, so that ids from every instance differ. */
    private final String relayIdPrefix = UUID.randomUUID().toString().substring(0, 8) + "-";
    private final java.util.concurrent.atomic.AtomicLong relayIds = new java.util.concurrent.atomic.AtomicLong();
    private final io.micrometer.core.instrument.Counter earlyRelays;
    private volatile boolean draining;

    SignalingSessions(ObjectMapper json, RoomTokens tokens, RoomLog log, IceServerDirectory iceServers,
            SessionEventPublisher events, MediaNodes mediaNodes, MediaGateway media, RoomMover mover,
            MeterRegistry meters) {
        this.json = json;
        this.tokens = tokens;
        this.log = log;
        this.rooms = log.state();
        this.iceServers = iceServers;
        this.events = events;
        this.mediaNodes = mediaNodes;
        this.media = media;
        this.mover = mover;
        this.me = log.instanceId();
        log.listen(this);
        media.onUnsolicited(this::onMediaMessage);
        meters.gauge("icemesh.signaling.connections", sockets, Map::size);
        this.earlyRelays = io.micrometer.core.instrument.Counter.builder("icemesh.signaling.relays.early")
                .description("offers, answers and candidates sent to a socket of this instance before the room log"
                        + " applied them (the log's numbered copy follows)").register(meters);
    }

    /** Whether this instance takes sessions: the room log is current and it is not shutting down. */
    public boolean ready() {
        return !draining && log.ready();
    }

    /** Whether client commands are taken now: ready, and not too much waiting for the broker. */
    private boolean accepting() {
        return !draining && log.accepting();
    }

    void opened(WebSocketConnection connection) {
        sockets.put(connection.id(), connection);
    }

    Reply join(JsonNode msg, WebSocketConnection connection) {
        if (bound.containsKey(connection.id())) {
            return Reply.error("already-joined", "leave the current room before joining another");
        }
        RoomToken token;
        try {
            token = tokens.verify(msg.path("token").asText(""));
        } catch (RoomTokens.InvalidTokenException e) {
            return Reply.error("unauthorized", e.getMessage());
        }
        if (msg.hasNonNull("room") && !token.room().equals(msg.get("room").asText())) {
            return Reply.error("wrong-room", "the token admits to room \"" + token.room() + "\" only");
        }
        if (!accepting()) {
            return unavailable();
        }
        MediaNodes.Proposal proposal = null;
        if (token.mode() == RoomMode.SFU) {
            proposal = mediaNodes.propose(token.room(), rooms.mediaNode(token.room()).orElse(null),
                    rooms.sessionsByNode()).orElse(null);
            if (proposal == null) {
                return Reply.error("sfu-unavailable", "no media-service node can take room \"" + token.room()
                        + "\" now");
            }
        }
        String sessionId = token.sessionId() != null ? token.sessionId() : UUID.randomUUID().toString();
        String request = UUID.randomUUID().toString();
        optInToEarlyRelay(msg, connection);
        bound.put(connection.id(), new Binding(sessionId, token.room(), token.mode(), 1));
        RoomCommand.Join join = new RoomCommand.Join(token.room(), me, request, connection.id(), sessionId,
                UUID.randomUUID().toString().substring(0, 8), token.subject(), token.mode(), newResumeToken(),
                proposal == null ? null : proposal.node(), proposal == null ? null : proposal.replaces(),
                System.currentTimeMillis(), rooms.limits());
        // SFU join: the endpoint is allocated on the proposed node while the join travels through the room log,
        // instead of after it (one broker round trip less before "joined"). The log decides; an allocation on a
        // node it did not choose, or for a join it refused, is ended again. Not for a session this instance already
        // knows (media-service answers ALLOCATE with the existing endpoint, which must not be ended): such a join
        // allocates after the log, as before. An allocation left behind by a race (two joins with one session id)
        // ends on the node by itself: an endpoint no client connects to fails after ICE's and DTLS's timeouts.
        String proposed = proposal == null || rooms.member(sessionId).isPresent() ? null : proposal.node();
        CompletionStage<MediaReply> allocation = proposed == null ? null
                : media.request(MediaCommandType.ALLOCATE, proposed, token.room(), sessionId, null);
        log.request(request, join, applied -> joinApplied(connection, applied.outcome(), proposed, allocation), () -> {
            bound.remove(connection.id());
            if (rooms.member(sessionId).isEmpty()) {
                endAllocation(allocation, proposed);
            }
            send(connection, errorJson("unavailable", "the room log did not answer in time; try again"));
        });
        return null;
    }

    private void joinApplied(WebSocketConnection connection, Outcome outcome) {
        joinApplied(connection, outcome, null, null);
    }

    private void joinApplied(WebSocketConnection connection, Outcome outcome, String proposed,
            CompletionStage<MediaReply> allocation) {
        if (outcome instanceof Outcome.Refused r) {
            bound.remove(connection.id());
            if (!"session-in-use".equals(r.code())) {
                // (A session in use keeps its endpoint: the allocation found that one and must not end it.)
                endAllocation(allocation, proposed);
            }
            send(connection, errorJson(r.code(), r.message()));
        } else if (outcome instanceof Outcome.Joined j) {
            send(connection, admitted(j.self(), j.others()).toString());
            earlyRelayFromNow(connection);
        } else if (outcome instanceof Outcome.Pending p) {
            if (allocation != null && p.self().mediaNode().equals(proposed)) {
                admitWhenAllocated(connection, p.self(), allocation);
            } else {
                endAllocation(allocation, proposed);
                allocateOnMediaNode(connection, p.self());
            }
        }
    }

    /** Ends an endpoint allocated ahead of a join that did not take it (nothing when there was none). */
    private void endAllocation(CompletionStage<MediaReply> allocation, String node) {
        if (allocation == null) {
            return;
        }
        allocation.whenComplete((reply, failure) -> {
            if (failure == null && reply.type() == MediaReplyType.ALLOCATED) {
                media.tell(MediaCommandType.END, node, reply.roomId(), reply.endpointId(), null);
            }
        });
    }

    /** SFU join: the endpoint must exist on the media node before the client hears "joined". */
    private void allocateOnMediaNode(WebSocketConnection connection, Member peer) {
        admitWhenAllocated(connection, peer,
                media.request(MediaCommandType.ALLOCATE, peer.mediaNode(), peer.room(), peer.sessionId(), null));
    }

    private void admitWhenAllocated(WebSocketConnection connection, Member peer,
            CompletionStage<MediaReply> allocation) {
        allocation.whenComplete((reply, failure) -> {
            if (failure != null || reply.type() != MediaReplyType.ALLOCATED) {
                String code = failure != null ? "media-timeout" : "media-error";
                String why = failure != null ? failure.getMessage() : reply.reason();
                log.submit(new RoomCommand.Abandon(peer.room(), me, peer.sessionId()));
                bound.remove(connection.id());
                send(connection, errorJson(code, why));
                return;
            }
            String request = UUID.randomUUID().toString();
            log.request(request, new RoomCommand.Admit(peer.room(), me, request, peer.sessionId()),
                    applied -> joinApplied(connection, applied.outcome()), () -> {
                        // Undone in log order: the abandon follows the admit whenever that lands.
                        log.submit(new RoomCommand.Abandon(peer.room(), me, peer.sessionId()));
                        media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(),
                                null);
                        bound.remove(connection.id());
                        send(connection, errorJson("unavailable",
                                "the room log did not answer in time; try again"));
                    });
        });
    }

    private ObjectNode admitted(Member peer, List<Member> others) {
        ObjectNode joined = json.createObjectNode().put("type", "joined").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId())
                .put("sessionId", peer.sessionId()).put("resumeToken", peer.resumeToken());
        joined.set("peers", peerList(others));
        addIceServers(joined, peer.sessionId());
        return joined;
    }

    /**
     * media-service's own messages for an endpoint. Every instance reads them; offers and ends go through the room
     * log (numbered, replayed after a resume; the reference makes the copies of other instances no-ops), refusals go
     * straight to the socket of the instance that holds it.
     */
    private void onMediaMessage(MediaReply reply, String ref) {
        Member peer = rooms.member(reply.endpointId()).orElse(null);
        if (peer == null) {
            return;
        }
        if (reply.nodeId() != null && peer.mediaNode() != null && !reply.nodeId().equals(peer.mediaNode())) {
            return; // the room moved: the old node's offers and ends are about a connection the client dropped
        }
        if (reply.type() == MediaReplyType.OFFER) {
            fromSfu(peer, ref, json.createObjectNode().put("type", "offer").put("from", SFU).put("sdp", reply.sdp()));
        } else if (reply.type() == MediaReplyType.ENDED) {
            log.submit(new RoomCommand.SfuMessage(peer.room(), me, peer.sessionId(), ref,
                    json.createObjectNode().put("type", "sfu-ended").put("reason", reply.reason())));
        } else if (reply.type() == MediaReplyType.ERROR && me.equals(peer.instance())) {
            sendTo(peer.connection(), errorJson("media-error", reply.reason()));
        }
    }

    /**
     * An offer or answer from media-service for a session: written to the room log (numbered, replayed after a
     * resume; every instance that read the reply writes it under the same {@code ref}, the log keeps the first), and,
     * as with early relay, sent at once by the instance that holds the session's socket if its client asked. The
     * relay id comes from the reference, so the early copy and every logged one carry the same {@code rid}.
     */
    private synchronized void fromSfu(Member peer, String ref, ObjectNode message) {
        String rid = "sfu:" + ref;
        message.put("rid", rid);
        String pair = pairKey(SFU, peer.sessionId());
        boolean early = me.equals(peer.instance()) && !logOnlyInFlight.containsKey(pair)
                && sendEarly(peer.connection(), message.toString());
        if (!early) {
            logOnly(pair, rid);
        }
        log.submit(new RoomCommand.SfuMessage(peer.room(), me, peer.sessionId(), ref, message));
    }

    /** SFU relay: the client's offer goes to media-service, whose answer comes back from "sfu". */
    private Reply relayToSfu(RelayMessage msg, Member from, WebSocketConnection connection) {
        String type = msg.type();
        if (!SFU.equals(msg.to())) {
            return Reply.error("unknown-peer", "in an SFU room, send " + type + " to \"" + SFU + "\"");
        }
        switch (type) {
            case "offer" -> media.request(MediaCommandType.OFFER, from.mediaNode(), from.room(), from.sessionId(),
                    msg.sdp()).whenComplete((reply, failure) -> {
                        if (failure != null) {
                            send(connection, errorJson("media-timeout", failure.getMessage()));
                        } else if (reply.type() != MediaReplyType.ANSWER) {
                            send(connection, errorJson("media-error", reply.reason()));
                        } else {
                            fromSfu(rooms.member(from.sessionId()).orElse(from), "answer:" + reply.requestId(),
                                    json.createObjectNode().put("type", "answer").put("from", SFU)
                                            .put("sdp", reply.sdp()));
                        }
                    });
            case "answer" -> media.tell(MediaCommandType.ANSWER, from.mediaNode(), from.room(), from.sessionId(),
                    msg.sdp());
            default -> {
                // media-service gathers nothing from trickled candidates: it learns the client's address from the
                // client's connectivity checks (peer-reflexive), so candidates for the SFU are accepted and dropped.
            }
        }
        return null;
    }

    /** The session this socket speaks for, as the room log has it now (empty before its join is applied). */
    private Member memberOf(WebSocketConnection connection) {
        Binding b = bound.get(connection.id());
        return b == null ? null : rooms.member(b.sessionId()).orElse(null);
    }

    /**
     * The refusal of {@code type}, a message only an SFU room's client sends to {@code "sfu"}: not joined, a P2P room
     * ({@code wrongMode} says what to do there), or another addressee. Null when it may go on.
     */
    private Reply refuseOutsideSfu(String type, String wrongMode, JsonNode msg, WebSocketConnection connection) {
        Binding b = bound.get(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room before sending " + type);
        }
        if (b.mode() != RoomMode.SFU) {
            return Reply.error("wrong-mode", wrongMode);
        }
        if (!SFU.equals(msg.path("to").asText(SFU))) {
            return Reply.error("unknown-peer", "in an SFU room, send " + type + " to \"" + SFU + "\"");
        }
        return null;
    }

    /**
     * An SFU room's client asks media-service to restart ICE on its connection: the SFU then sends an offer with new
     * ICE credentials (the client never offers again in an SFU room). In a P2P room an ICE restart is a new offer.
     */
    Reply iceRestart(JsonNode msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu("ice-restart", "ice-restart is for SFU rooms; in a P2P room send a new offer"
                + " with new ICE credentials to the peer", msg, connection);
        if (refused != null) {
            return refused;
        }
        Member from = memberOf(connection);
        if (from == null) {
            return Reply.error("not-joined", "the join is not complete yet");
        }
        media.tell(MediaCommandType.ICE_RESTART, from.mediaNode(), from.room(), from.sessionId(), null);
        return null;
    }

    /**
     * An SFU room's client reports that its connection to the SFU stopped carrying media: written to the room log for
     * the leader, which takes the node for gone if its pings agree ({@link RoomMover#stalled}). At most one a second
     * per session is written; more are dropped without an error, as is a report while the log is not taking
     * commands (the pings find a dead node anyway, only later).
     */
    Reply sfuStalled(JsonNode msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu("sfu-stalled", "sfu-stalled is for SFU rooms", msg, connection);
        if (refused != null) {
            return refused;
        }
        Member from = memberOf(connection);
        if (from == null || from.mediaNode() == null || !accepting()) {
            return null;
        }
        long now = System.currentTimeMillis();
        Long last = stallWritten.get(from.sessionId());
        if (last != null && now - last < 1_000) {
            return null;
        }
        Long moved = movedAt.get(from.sessionId());
        if (moved != null && now - moved < RoomMover.STALL_WINDOW_MS) {
            // About the connection the move just replaced (sent before the client took sfu-moved): the node it
            // names now is the new one, which is busy taking the room, not stalled.
            return null;
        }
        stallWritten.put(from.sessionId(), now);
        if (stallWritten.size() > 10_000) {
            stallWritten.values().removeIf(at -> now - at > 1_000);
        }
        log.submit(new RoomCommand.SfuStalled(from.room(), me, from.sessionId(), from.mediaNode(), now));
        return null;
    }

    /**
     * An SFU room's subscriber asks media-service for a simulcast layer (low, medium, high, or auto for bandwidth
     * alone) of one track or of all it receives. P2P peers negotiate layers with each other, so there it is wrong-mode.
     */
    Reply setQuality(JsonNode msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu("set-quality", "set-quality is for SFU rooms", msg, connection);
        if (refused != null) {
            return refused;
        }
        QualityRequest request;
        try {
            request = QualityRequest.parse(msg);
        } catch (QualityRequest.BadQualityRequestException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        Member from = memberOf(connection);
        if (from == null) {
            return Reply.error("not-joined", "the join is not complete yet");
        }
        media.setQuality(from.mediaNode(), from.room(), from.sessionId(), request);
        return null;
    }

    Reply resume(JsonNode msg, WebSocketConnection connection) {
        if (bound.containsKey(connection.id())) {
            return Reply.error("already-joined", "this socket already speaks for a session");
        }
        String resumeToken = msg.path("resumeToken").asText(null);
        Member peer = rooms.byResumeToken(resumeToken).orElse(null);
        if (peer == null) {
            return Reply.error("bad-resume", "unknown or expired resume token; join again");
        }
        if (!accepting()) {
            return unavailable();
        }
        String request = UUID.randomUUID().toString();
        optInToEarlyRelay(msg, connection);
        bound.put(connection.id(), new Binding(peer.sessionId(), peer.room(), peer.mode(), 0));
        log.request(request, new RoomCommand.Resume(peer.room(), me, request, connection.id(), resumeToken,
                msg.path("lastSeq").asLong(0)), applied -> resumeApplied(connection, applied.outcome()), () -> {
                    bound.remove(connection.id());
                    send(connection, errorJson("unavailable", "the room log did not answer in time; try again"));
                });
        return null;
    }

    private void resumeApplied(WebSocketConnection connection, Outcome outcome) {
        if (outcome instanceof Outcome.Refused r) {
            bound.remove(connection.id());
            send(connection, errorJson(r.code(), r.message()));
            return;
        }
        if (outcome instanceof Outcome.Left) {
            // The replay buffer no longer holds every message after the client's last seq: the session left (its
            // peers saw peer-left), and the client joins again with its token.
            bound.remove(connection.id());
            send(connection, errorJson("bad-resume", "messages sent while you were away are no longer kept; join "
                    + "again"));
            return;
        }
        Outcome.Resumed resumed = (Outcome.Resumed) outcome;
        Member peer = resumed.self();
        Binding binding = new Binding(peer.sessionId(), peer.room(), peer.mode(), peer.epoch());
        bound.put(connection.id(), binding);
        if (!sockets.containsKey(connection.id()) || !connection.isOpen()) {
            // The socket closed before the resume was applied (dropped() saw epoch 0 and wrote nothing): the session
            // is written away again, so it waits for the next resume or expires, instead of a ghost this instance
            // claims forever. Bound first, checked after: whichever of this and dropped() sees the other writes it.
            if (bound.remove(connection.id(), binding)) {
                log.submit(new RoomCommand.Disconnected(peer.room(), me, peer.sessionId(), peer.epoch(),
                        System.currentTimeMillis()));
            }
            LOG.infof("session %s resumed on a socket that had already closed; it waits for a resume again",
                    peer.sessionId());
            return;
        }
        LOG.infof("session %s resumed in room %s on %s (%d messages replayed)", peer.sessionId(), peer.room(), me,
                resumed.missed().size());
        ObjectNode reply = json.createObjectNode().put("type", "resumed").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId()).put("sessionId", peer.sessionId());
        reply.set("peers", peerList(resumed.others()));
        addIceServers(reply, peer.sessionId());
        // The resumed reply goes first; what the client missed follows in its original order, and later deliveries
        // after it (this runs on the log's reader thread, before the next record is applied).
        send(connection, reply.toString());
        resumed.missed().forEach(text -> send(connection, text));
        earlyRelayFromNow(connection);
    }

    Reply leave(WebSocketConnection connection) {
        Binding b = bound.remove(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "not in a room");
        }
        String request = UUID.randomUUID().toString();
        log.request(request, new RoomCommand.Leave(b.room(), me, request, b.sessionId(), b.epoch()),
                applied -> send(connection, json.createObjectNode().put("type", "left").toString()),
                () -> send(connection, errorJson("unavailable", "the leave is written and takes effect once the"
                        + " room log is reachable")));
        return null;
    }

    Reply relay(String type, JsonNode raw, WebSocketConnection connection) {
        Binding b = bound.get(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room before sending " + type);
        }
        RelayMessage msg;
        try {
            msg = RelayMessage.parse(type, raw);
        } catch (RelayMessage.BadRelayMessageException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        if (b.mode() == RoomMode.SFU) {
            Member from = memberOf(connection);
            if (from == null) {
                return Reply.error("not-joined", "the join is not complete yet");
            }
            return relayToSfu(msg, from, connection);
        }
        if (!accepting()) {
            return unavailable();
        }
        String rid = relayIdPrefix + Long.toString(relayIds.incrementAndGet(), 36);
        msg.body().put("rid", rid);
        if (!relayEarly(msg, connection, b.sessionId())) {
            logOnly(pairKey(b.sessionId(), msg.to()), rid);
        }
        log.submit(new RoomCommand.Relay(b.room(), me, connection.id(), b.sessionId(), msg.to(), type, msg.body()));
        return null;
    }

    private void optInToEarlyRelay(JsonNode msg, WebSocketConnection connection) {
        earlyRelay.remove(connection.id());
        if (msg.path("earlyRelay").asBoolean(false)) {
            earlyRelayAsked.add(connection.id());
        } else {
            earlyRelayAsked.remove(connection.id());
        }
    }

    /** The join or resume was answered (and the replay sent): early copies may go to this socket from now on. */
    private void earlyRelayFromNow(WebSocketConnection connection) {
        if (earlyRelayAsked.remove(connection.id()) && sockets.containsKey(connection.id())) {
            earlyRelay.add(connection.id());
        }
    }

    private static String pairKey(String fromSession, String to) {
        return fromSession + "\n" + to;
    }

    /** A relay for this pair goes to the log only: later ones must not overtake it until it is applied. */
    private void logOnly(String pair, String rid) {
        logOnlyInFlight.compute(pair, (k, rids) -> {
            java.util.Set<String> set = rids != null ? rids : new java.util.HashSet<>();
            set.add(rid);
            return set;
        });
    }

    /** A relay record was applied: if it went to the log only, its pair may go early again once none is left. */
    private void logOnlyApplied(String pair, String rid) {
        if (rid != null) {
            logOnlyInFlight.computeIfPresent(pair, (k, rids) -> rids.remove(rid) && rids.isEmpty() ? null : rids);
        }
    }

    /**
     * Sends an early copy to a socket of this instance whose client asked for them and heard its joined or resumed;
     * false when it cannot go (the log's copy is then the only one).
     */
    private boolean sendEarly(String connectionId, String text) {
        if (connectionId == null || !earlyRelay.contains(connectionId)) {
            return false;
        }
        WebSocketConnection socket = sockets.get(connectionId);
        if (socket == null || !socket.isOpen()) {
            return false;
        }
        send(socket, text);
        earlyRelays.increment();
        return true;
    }

    /**
     * Early relay: when the addressee's socket is on this instance too and its client asked for it, the message goes
     * to that socket now, without {@code seq}, before it is written to the room log; the log's numbered copy (same
     * {@code rid}) follows when the record is applied, and the client keeps only the first of the two. The log stays
     * the record every instance agrees on (numbering, replay on resume, the checks of {@link RoomStateMachine}); the
     * early copy only saves the broker round trip, which on a busy broker is most of a call's set-up. The checks here
     * are those the state machine makes, on this instance's replica: the sender is the admitted session this socket
     * speaks for, the addressee another admitted peer of its room. Sent before the record is submitted, so that the
     * early copy always arrives first. See docs/signaling-protocol.md, "Early relay".
     */
    private boolean relayEarly(RelayMessage msg, WebSocketConnection connection, String fromSession) {
        if (earlyRelay.isEmpty() || logOnlyInFlight.containsKey(pairKey(fromSession, msg.to()))) {
            return false;
        }
        Member from = memberOf(connection);
        if (from == null || !from.admitted() || !me.equals(from.instance())
                || !connection.id().equals(from.connection())) {
            return false;
        }
        Member to = rooms.peer(from.room(), msg.to()).orElse(null);
        return to != null && !to.sessionId().equals(from.sessionId()) && to.admitted() && me.equals(to.instance())
                && sendEarly(to.connection(), msg.body().deepCopy().put("from", from.peerId()).toString());
    }

    Reply report(JsonNode msg, WebSocketConnection connection) {
        Member peer = memberOf(connection);
        if (peer == null) {
            return Reply.error("not-joined", "join a room before reporting");
        }
        List<SessionEvent> reported;
        try {
            reported = ClientReports.toEvents(msg.get("entries"), peer, log.maxReportEntries());
        } catch (ClientReports.BadReportException e) {
            return Reply.error("bad-report", e.getMessage());
        }
        String request = UUID.randomUUID().toString();
        log.request(request, new RoomCommand.Report(peer.room(), me, request, peer.sessionId(), reported.size()),
                applied -> {
                    if (applied.outcome() instanceof Outcome.Refused r) {
                        send(connection, errorJson(r.code(), r.message()));
                    } else {
                        reported.forEach(events::publish);
                        send(connection, json.createObjectNode().put("type", "report-ack")
                                .put("accepted", reported.size()).toString());
                    }
                }, () -> send(connection, errorJson("unavailable", "the room log did not answer in time")));
        return null;
    }

    Reply iceServers(WebSocketConnection connection) {
        Binding b = bound.get(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room first");
        }
        ObjectNode reply = json.createObjectNode().put("type", "ice-servers");
        addIceServers(reply, b.sessionId());
        return Reply.of(reply);
    }

    /** The socket closed: an explicit leave already happened, or the peer now waits for a resume. */
    void dropped(WebSocketConnection connection) {
        sockets.remove(connection.id());
        earlyRelay.remove(connection.id());
        earlyRelayAsked.remove(connection.id());
        Binding b = bound.remove(connection.id());
        if (b != null && b.epoch() > 0) {
            log.submit(new RoomCommand.Disconnected(b.room(), me, b.sessionId(), b.epoch(),
                    System.currentTimeMillis()));
        }
    }

    @Override
    public boolean holdsSocket(String connection) {
        WebSocketConnection socket = connection == null ? null : sockets.get(connection);
        return socket != null && socket.isOpen() && bound.containsKey(connection);
    }

    /** One applied record: deliveries to this instance's sockets, then what the writer of the record does. */
    @Override
    public void applied(RoomCommand command, RoomStateMachine.Applied applied,
            Consumer<RoomStateMachine.Applied> handler) {
        for (Delivery d : applied.deliveries()) {
            if (me.equals(d.instance())) {
                sendTo(d.connection(), d.text());
            }
        }
        if (command instanceof RoomCommand.Relay r && me.equals(r.origin())) {
            logOnlyApplied(pairKey(r.sessionId(), r.to()), r.body().path("rid").asText(null));
        } else if (command instanceof RoomCommand.SfuMessage m) {
            logOnlyApplied(pairKey(SFU, m.sessionId()), m.message().path("rid").asText(null));
        }
        Outcome outcome = applied.outcome();
        if (outcome instanceof Outcome.Resumed r && me.equals(r.previous().instance())
                && !r.previous().connection().equals(r.self().connection())) {
            // Resuming takes over from a socket this instance still holds.
            WebSocketConnection old = sockets.get(r.previous().connection());
            bound.remove(r.previous().connection());
            if (old != null) {
                old.close().subscribe().with(ok -> { }, err -> { });
            }
        }
        if (command instanceof RoomCommand.InstanceGone g && me.equals(g.instance())
                && outcome instanceof Outcome.Detached d) {
            // Another instance took this one for gone (it did not hear its heartbeats for a while): the log no longer
            // gives these sessions to this instance's sockets. They are closed with resume-elsewhere, so each client
            // resumes (here or elsewhere) with its place, replay included, instead of talking into a void.
            java.util.Set<String> detached = new java.util.HashSet<>();
            d.members().forEach(m -> detached.add(m.sessionId()));
            bound.forEach((connection, b) -> {
                if (detached.contains(b.sessionId()) && bound.remove(connection, b)) {
                    WebSocketConnection socket = sockets.get(connection);
                    if (socket != null) {
                        socket.close(DRAINING).subscribe().with(ok -> { }, err -> { });
                    }
                }
            });
            LOG.warnf("instance %s was taken for gone: %d sessions in room %s closed with resume-elsewhere", me,
                    detached.size(), g.room());
        }
        if (outcome instanceof Outcome.Stalled st) {
            mover.stalled(st.node(), st.atMs());
        }
        if (outcome instanceof Outcome.Moved moved) {
            moved.members().stream().filter(m -> me.equals(m.instance()) && m.admitted()).forEach(m -> moveEndpoint(
                    moved, m));
        }
        if (handler != null) {
            handler.accept(applied);
        }
        if (!me.equals(command.origin())) {
            return;
        }
        // This instance wrote the record that took effect: it does the side effects, once for the whole mesh.
        if (handler == null) {
            undoIfAbandoned(command, outcome);
        }
        if (outcome instanceof Outcome.Joined j) {
            Member peer = j.self();
            events.publish(SessionEvent.builder(SessionEventType.PEER_JOINED, peer.sessionId(), EventSource.SIGNALING)
                    .roomId(peer.room()).peerId(peer.peerId()).mediaNode(peer.mediaNode()).build());
            LOG.infof("session %s joined room %s as %s on %s (%d others)", peer.sessionId(), peer.room(),
                    peer.peerId(), me, j.others().size());
        } else if (outcome instanceof Outcome.Left l) {
            Member peer = l.self();
            if (peer.mediaNode() != null) {
                media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(), null);
            }
            events.publish(SessionEvent.builder(SessionEventType.PEER_LEFT, peer.sessionId(), EventSource.SIGNALING)
                    .roomId(peer.room()).peerId(peer.peerId()).reason(l.reason()).build());
            LOG.infof("session %s left room %s (%s)", peer.sessionId(), peer.room(), l.reason());
        } else if (outcome instanceof Outcome.Relayed r && command instanceof RoomCommand.Relay relay
                && !"candidate".equals(relay.type())) {
            SessionEventType kind = "offer".equals(relay.type()) ? SessionEventType.OFFER_RELAYED
                    : SessionEventType.ANSWER_RELAYED;
            events.publish(SessionEvent.builder(kind, r.from().sessionId(), EventSource.SIGNALING)
                    .roomId(r.from().room()).peerId(r.from().peerId())
                    .elapsedMs(System.currentTimeMillis() - r.from().joinedAtMs()).build());
        } else if (outcome instanceof Outcome.Refused r && command instanceof RoomCommand.Relay relay) {
            sendTo(relay.connection(), errorJson(r.code(), r.message()));
        }
    }

    /**
     * A session of a moved room whose socket this instance holds: an endpoint on the new node, and at the same time
     * the client is told to connect again ({@code sfu-moved}: it drops its SFU connection and offers anew, to the new
     * node through signaling); the old node's endpoint is ended once the new one exists. The client's offer cannot
     * overtake the allocation: both are commands for the same room, from this instance's one producer, so they reach
     * the node in order on the room's partition; the allocation's round trip is off the path to video.
     */
    private void moveEndpoint(Outcome.Moved moved, Member m) {
        long now = System.currentTimeMillis();
        movedAt.put(m.sessionId(), now);
        if (movedAt.size() > 10_000) {
            movedAt.values().removeIf(at -> now - at > RoomMover.STALL_WINDOW_MS);
        }
        WebSocketConnection socket = sockets.get(m.connection());
        CompletionStage<MediaReply> allocated = media.request(MediaCommandType.ALLOCATE, moved.to(), m.room(),
                m.sessionId(), null);
        if (socket != null) {
            int others = (int) rooms.members(m.room()).stream()
                    .filter(o -> !o.sessionId().equals(m.sessionId())).count();
            send(socket, json.createObjectNode().put("type", "sfu-moved").put("reason", moved.reason())
                    .put("peers", others).toString());
        }
        allocated.whenComplete((reply, failure) -> {
            media.tell(MediaCommandType.END, moved.from(), m.room(), m.sessionId(), null);
            if (failure != null || reply.type() != MediaReplyType.ALLOCATED) {
                if (socket != null) {
                    send(socket, errorJson(failure != null ? "media-timeout" : "media-error",
                            "the room moved to another media node, which did not take this peer: "
                                    + (failure != null ? failure.getMessage() : reply.reason())));
                }
                return;
            }
            events.publish(SessionEvent.builder(SessionEventType.MEDIA_MOVED, m.sessionId(), EventSource.SIGNALING)
                    .roomId(m.room()).peerId(m.peerId()).mediaNode(moved.to())
                    .reason(MediaNodes.moveInPlainWords(moved.from(), moved.to(), moved.reason())).build());
            LOG.infof("session %s of room %s moved from media node %s to %s (%s)", m.sessionId(), m.room(),
                    moved.from(), moved.to(), moved.reason());
        });
    }

    /** A join or resume applied after its client was told {@code unavailable}: it is undone. */
    private void undoIfAbandoned(RoomCommand command, Outcome outcome) {
        if (command instanceof RoomCommand.Join && outcome instanceof Outcome.Joined j) {
            log.submit(new RoomCommand.Leave(j.self().room(), me, null, j.self().sessionId(), j.self().epoch()));
        } else if (command instanceof RoomCommand.Join && outcome instanceof Outcome.Pending p) {
            log.submit(new RoomCommand.Abandon(p.self().room(), me, p.self().sessionId()));
        } else if (command instanceof RoomCommand.Admit && outcome instanceof Outcome.Joined j) {
            log.submit(new RoomCommand.Leave(j.self().room(), me, null, j.self().sessionId(), j.self().epoch()));
        } else if (command instanceof RoomCommand.Resume && outcome instanceof Outcome.Resumed r) {
            log.submit(new RoomCommand.Disconnected(r.self().room(), me, r.self().sessionId(), r.self().epoch(),
                    System.currentTimeMillis()));
        }
    }

    /**
     * SIGTERM drains: readiness goes DOWN, every session on this instance is written as disconnected (it keeps its
     * place for the resume grace), and its socket is closed with {@code 1012 resume-elsewhere}, so the client resumes
     * on another instance. Runs before the room log stops (observer priority), which then flushes what was written.
     */
    void drain(@Observes @Priority(10) ShutdownEvent event) {
        draining = true;
        long now = System.currentTimeMillis();
        bound.forEach((connection, b) -> {
            if (b.epoch() > 0) {
                log.submit(new RoomCommand.Disconnected(b.room(), me, b.sessionId(), b.epoch(), now));
            }
        });
        bound.clear();
        sockets.values().forEach(c -> c.close(DRAINING).subscribe().with(ok -> { }, err -> { }));
        log.flush(Duration.ofSeconds(3));
        LOG.infof("instance %s drained: %d sockets closed with resume-elsewhere", me, sockets.size());
    }

    private void sendTo(String connectionId, String text) {
        WebSocketConnection c = connectionId == null ? null : sockets.get(connectionId);
        if (c != null) {
            send(c, text);
        }
    }

    private static void send(WebSocketConnection connection, String text) {
        if (connection.isOpen()) {
            connection.sendText(text).subscribe().with(ok -> { }, err -> { });
        }
    }

    private static Reply unavailable() {
        return Reply.error("unavailable", "room state is out of reach (Kafka); try again or another instance");
    }

    private String errorJson(String code, String message) {
        return json.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
    }

    private ArrayNode peerList(List<Member> peers) {
        ArrayNode list = json.createArrayNode();
        peers.forEach(p -> list.addObject().put("peerId", p.peerId()).put("user", p.subject()));
        return list;
    }

    private void addIceServers(ObjectNode target, String sessionId) {
        IceServerDirectory.IceServerList list = iceServers.listFor(sessionId);
        target.set("iceServers", json.valueToTree(list.iceServers()));
        target.put("iceServersTtl", list.ttlSeconds());
    }

    private static String newResumeToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
