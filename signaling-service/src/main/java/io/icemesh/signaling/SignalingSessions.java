package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.events.SessionEventPublisher;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.signaling.ice.IceServerDirectory;
import io.icemesh.signaling.media.MediaGateway;
import io.icemesh.signaling.media.MediaNodes;
import io.icemesh.signaling.media.QualityRequest;
import io.icemesh.signaling.relay.RelayMessage;
import io.icemesh.signaling.report.ClientReports;
import io.icemesh.signaling.room.Peer;
import io.icemesh.signaling.room.RoomRegistry;
import io.icemesh.signaling.room.RoomRegistry.JoinResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Signaling sessions: join with a room token, resume after a dropped socket, relay, reports, leave. A dropped peer
 * keeps its place for the resume grace time, then leaves for good.
 */
@ApplicationScoped
public class SignalingSessions {

    private static final Logger LOG = Logger.getLogger(SignalingSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The pseudo peer id of media-service in an SFU room. */
    public static final String SFU = "sfu";

    /** A reply to the sender: a message, an error, or nothing ({@code null} reply). */
    public record Reply(ObjectNode message, String errorCode, String errorMessage) {
        static Reply of(ObjectNode message) {
            return new Reply(message, null, null);
        }

        static Reply error(String code, String message) {
            return new Reply(null, code, message);
        }
    }

    private final ObjectMapper json;
    private final RoomTokens tokens;
    private final RoomRegistry rooms;
    private final IceServerDirectory iceServers;
    private final SessionEventPublisher events;
    private final SignalingConfig config;
    private final Vertx vertx;
    private final MediaNodes mediaNodes;
    private final MediaGateway media;
    /** Connection id to the peer it speaks for. */
    private final Map<String, Peer> byConnection = new ConcurrentHashMap<>();
    private final Map<String, Integer> reportEntries = new ConcurrentHashMap<>();

    SignalingSessions(ObjectMapper json, RoomTokens tokens, RoomRegistry rooms, IceServerDirectory iceServers,
            SessionEventPublisher events, SignalingConfig config, Vertx vertx, MediaNodes mediaNodes,
            MediaGateway media, MeterRegistry meters) {
        this.mediaNodes = mediaNodes;
        this.media = media;
        this.json = json;
        this.tokens = tokens;
        this.rooms = rooms;
        this.iceServers = iceServers;
        this.events = events;
        this.config = config;
        this.vertx = vertx;
        meters.gauge("icemesh.signaling.peers", rooms, RoomRegistry::peerCount);
        meters.gauge("icemesh.signaling.rooms", rooms, RoomRegistry::roomCount);
        meters.gauge("icemesh.signaling.connections", byConnection, Map::size);
    }

    Reply join(JsonNode msg, WebSocketConnection connection) {
        if (byConnection.containsKey(connection.id())) {
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
        String node = null;
        if (token.mode() == RoomMode.SFU) {
            node = mediaNodes.place(token.room()).orElse(null);
            if (node == null) {
                return Reply.error("sfu-unavailable", "no media-service node can take room \"" + token.room()
                        + "\" now");
            }
        }
        String sessionId = token.sessionId() != null ? token.sessionId() : UUID.randomUUID().toString();
        Peer peer = new Peer(UUID.randomUUID().toString().substring(0, 8), sessionId, token.subject(), token.room(),
                token.mode(), newResumeToken(), connection, config.protocol().resumeBacklog(), node);
        JoinResult result = rooms.join(peer);
        if (result instanceof JoinResult.Refused refused) {
            return Reply.error(refused.code(), refused.message());
        }
        byConnection.put(connection.id(), peer);
        List<Peer> others = ((JoinResult.Joined) result).others();
        if (node != null) {
            allocateOnMediaNode(peer, others);
            return null;
        }
        return Reply.of(admitted(peer, others));
    }

    /** SFU join: the endpoint must exist on the media node before the client hears "joined". */
    private void allocateOnMediaNode(Peer peer, List<Peer> others) {
        media.listen(peer.sessionId(), reply -> onMediaMessage(peer, reply));
        media.request(MediaCommandType.ALLOCATE, peer.mediaNode(), peer.room(), peer.sessionId(), null)
                .whenComplete((reply, failure) -> {
                    if (failure != null || reply.type() != MediaReplyType.ALLOCATED) {
                        String code = failure != null ? "media-timeout" : "media-error";
                        String why = failure != null ? failure.getMessage() : reply.reason();
                        forgetSilently(peer);
                        peer.reply(errorJson(code, why));
                        return;
                    }
                    peer.reply(admitted(peer, others).toString());
                });
    }

    private ObjectNode admitted(Peer peer, List<Peer> others) {
        String sessionId = peer.sessionId();
        ObjectNode announcement = json.createObjectNode().put("type", "peer-joined").put("peerId", peer.peerId())
                .put("user", peer.subject());
        others.forEach(o -> o.deliver(announcement));
        events.publish(SessionEvent.builder(SessionEventType.PEER_JOINED, sessionId, EventSource.SIGNALING)
                .roomId(peer.room()).peerId(peer.peerId()).build());
        LOG.infof("session %s joined room %s as %s (%d others)", sessionId, peer.room(), peer.peerId(),
                others.size());
        ObjectNode joined = json.createObjectNode().put("type", "joined").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId()).put("sessionId", sessionId)
                .put("resumeToken", peer.resumeToken());
        joined.set("peers", peerList(others));
        addIceServers(joined, sessionId);
        return joined;
    }

    /** media-service's own messages for this endpoint: a renegotiation offer, or the end of the endpoint. */
    private void onMediaMessage(Peer peer, MediaReply reply) {
        if (reply.type() == MediaReplyType.OFFER) {
            peer.deliver(json.createObjectNode().put("type", "offer").put("from", SFU).put("sdp", reply.sdp()));
        } else if (reply.type() == MediaReplyType.ENDED) {
            peer.deliver(json.createObjectNode().put("type", "sfu-ended").put("reason", reply.reason()));
        } else if (reply.type() == MediaReplyType.ERROR) {
            // A refused command that had no reply waiting (an answer, an ICE restart, a quality request): the
            // client learns why.
            peer.reply(errorJson("media-error", reply.reason()));
        }
    }

    /** SFU relay: the client's offer goes to media-service, whose answer comes back from "sfu". */
    private Reply relayToSfu(RelayMessage msg, Peer from) {
        String type = msg.type();
        if (!SFU.equals(msg.to())) {
            return Reply.error("unknown-peer", "in an SFU room, send " + type + " to \"" + SFU + "\"");
        }
        switch (type) {
            case "offer" -> media.request(MediaCommandType.OFFER, from.mediaNode(), from.room(), from.sessionId(),
                    msg.sdp()).whenComplete((reply, failure) -> {
                        if (failure != null) {
                            from.reply(errorJson("media-timeout", failure.getMessage()));
                        } else if (reply.type() != MediaReplyType.ANSWER) {
                            from.reply(errorJson("media-error", reply.reason()));
                        } else {
                            from.deliver(json.createObjectNode().put("type", "answer").put("from", SFU)
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

    /**
     * An SFU room's client asks media-service to restart ICE on its connection: the SFU then sends an offer with new
     * ICE credentials (the client never offers again in an SFU room). In a P2P room an ICE restart is a new offer.
     */
    Reply iceRestart(JsonNode msg, WebSocketConnection connection) {
        Peer from = byConnection.get(connection.id());
        if (from == null) {
            return Reply.error("not-joined", "join a room before sending ice-restart");
        }
        if (from.mediaNode() == null) {
            return Reply.error("wrong-mode", "ice-restart is for SFU rooms; in a P2P room send a new offer with new"
                    + " ICE credentials to the peer");
        }
        if (!SFU.equals(msg.path("to").asText(SFU))) {
            return Reply.error("unknown-peer", "in an SFU room, send ice-restart to \"" + SFU + "\"");
        }
        media.tell(MediaCommandType.ICE_RESTART, from.mediaNode(), from.room(), from.sessionId(), null);
        return null;
    }

    /**
     * An SFU room's subscriber asks media-service for a simulcast layer (low, medium, high, or auto for bandwidth
     * alone) of one track or of all it receives. P2P peers negotiate layers with each other, so there it is wrong-mode.
     */
    Reply setQuality(JsonNode msg, WebSocketConnection connection) {
        Peer from = byConnection.get(connection.id());
        if (from == null) {
            return Reply.error("not-joined", "join a room before sending set-quality");
        }
        if (from.mediaNode() == null) {
            return Reply.error("wrong-mode", "set-quality is for SFU rooms");
        }
        if (!SFU.equals(msg.path("to").asText(SFU))) {
            return Reply.error("unknown-peer", "in an SFU room, send set-quality to \"" + SFU + "\"");
        }
        QualityRequest request;
        try {
            request = QualityRequest.parse(msg);
        } catch (QualityRequest.BadQualityRequestException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        media.setQuality(from.mediaNode(), from.room(), from.sessionId(), request);
        return null;
    }

    Reply resume(JsonNode msg, WebSocketConnection connection) {
        if (byConnection.containsKey(connection.id())) {
            return Reply.error("already-joined", "this socket already speaks for a session");
        }
        Peer peer = rooms.byResumeToken(msg.path("resumeToken").asText(null)).orElse(null);
        if (peer == null) {
            return Reply.error("bad-resume", "unknown or expired resume token; join again");
        }
        WebSocketConnection old = peer.connection();
        if (old != null) {
            byConnection.remove(old.id(), peer);
            old.close().subscribe().with(ok -> { }, err -> { });
        }
        vertx.cancelTimer(peer.graceTimer());
        List<String> missed = peer.attach(connection, msg.path("lastSeq").asLong(0));
        byConnection.put(connection.id(), peer);
        LOG.infof("session %s resumed in room %s (%d messages replayed)", peer.sessionId(), peer.room(),
                missed.size());
        ObjectNode resumed = json.createObjectNode().put("type", "resumed").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId()).put("sessionId", peer.sessionId());
        resumed.set("peers", peerList(rooms.others(peer)));
        addIceServers(resumed, peer.sessionId());
        // The resumed reply goes first; what the client missed follows in its original order.
        connection.sendText(resumed.toString()).subscribe().with(ok -> missed.forEach(peer::resend), err -> { });
        return null;
    }

    Reply leave(WebSocketConnection connection) {
        Peer peer = byConnection.remove(connection.id());
        if (peer == null) {
            return Reply.error("not-joined", "not in a room");
        }
        depart(peer, "left");
        return Reply.of(json.createObjectNode().put("type", "left"));
    }

    Reply relay(String type, JsonNode raw, WebSocketConnection connection) {
        Peer from = byConnection.get(connection.id());
        if (from == null) {
            return Reply.error("not-joined", "join a room before sending " + type);
        }
        RelayMessage msg;
        try {
            msg = RelayMessage.parse(type, raw);
        } catch (RelayMessage.BadRelayMessageException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        if (from.mediaNode() != null) {
            return relayToSfu(msg, from);
        }
        String to = msg.to();
        Peer target = rooms.find(from.room(), to).orElse(null);
        if (target == null || target == from) {
            return Reply.error("unknown-peer", "no other peer \"" + to + "\" in room \"" + from.room() + "\"");
        }
        target.deliver(msg.body().put("from", from.peerId()));
        if (!"candidate".equals(type)) {
            SessionEventType kind = "offer".equals(type) ? SessionEventType.OFFER_RELAYED
                    : SessionEventType.ANSWER_RELAYED;
            events.publish(SessionEvent.builder(kind, from.sessionId(), EventSource.SIGNALING)
                    .roomId(from.room()).peerId(from.peerId())
                    .elapsedMs(System.currentTimeMillis() - from.joinedAtMs()).build());
        }
        return null;
    }

    Reply report(JsonNode msg, WebSocketConnection connection) {
        Peer peer = byConnection.get(connection.id());
        if (peer == null) {
            return Reply.error("not-joined", "join a room before reporting");
        }
        List<SessionEvent> reported;
        try {
            reported = ClientReports.toEvents(msg.get("entries"), peer, config.protocol().maxReportEntries());
        } catch (ClientReports.BadReportException e) {
            return Reply.error("bad-report", e.getMessage());
        }
        int total = reportEntries.merge(peer.sessionId(), reported.size(), Integer::sum);
        if (total > config.protocol().maxReportEntries()) {
            reportEntries.merge(peer.sessionId(), -reported.size(), Integer::sum);
            return Reply.error("too-many", "a session reports at most " + config.protocol().maxReportEntries()
                    + " entries");
        }
        reported.forEach(events::publish);
        return Reply.of(json.createObjectNode().put("type", "report-ack").put("accepted", reported.size()));
    }

    Reply iceServers(WebSocketConnection connection) {
        Peer peer = byConnection.get(connection.id());
        if (peer == null) {
            return Reply.error("not-joined", "join a room first");
        }
        ObjectNode reply = json.createObjectNode().put("type", "ice-servers");
        addIceServers(reply, peer.sessionId());
        return Reply.of(reply);
    }

    /** The socket closed: an explicit leave already happened, or the peer now waits for a resume. */
    void dropped(WebSocketConnection connection) {
        Peer peer = byConnection.remove(connection.id());
        if (peer == null) {
            return;
        }
        long timer = vertx.setTimer(config.protocol().resumeGrace().toMillis(), id -> {
            if (!peer.connected()) {
                LOG.infof("session %s did not resume within %s", peer.sessionId(), config.protocol().resumeGrace());
                depart(peer, "timeout");
            }
        });
        if (!peer.detachFrom(connection, timer)) {
            vertx.cancelTimer(timer);
        }
    }

    private void depart(Peer peer, String reason) {
        List<Peer> left = rooms.leave(peer);
        if (peer.mediaNode() != null) {
            media.forget(peer.sessionId());
            media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(), null);
            if (left.isEmpty()) {
                mediaNodes.release(peer.room());
            }
        }
        reportEntries.remove(peer.sessionId());
        ObjectNode note = json.createObjectNode().put("type", "peer-left").put("peerId", peer.peerId())
                .put("reason", reason);
        left.forEach(o -> o.deliver(note));
        events.publish(SessionEvent.builder(SessionEventType.PEER_LEFT, peer.sessionId(), EventSource.SIGNALING)
                .roomId(peer.room()).peerId(peer.peerId()).reason(reason).build());
        LOG.infof("session %s left room %s (%s)", peer.sessionId(), peer.room(), reason);
    }

    /** Undoes a join the media node did not confirm; nobody else heard of it yet, so nobody is told. */
    private void forgetSilently(Peer peer) {
        WebSocketConnection c = peer.connection();
        if (c != null) {
            byConnection.remove(c.id(), peer);
        }
        media.forget(peer.sessionId());
        if (rooms.leave(peer).isEmpty()) {
            mediaNodes.release(peer.room());
        }
    }

    private String errorJson(String code, String message) {
        return json.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
    }

    private ArrayNode peerList(List<Peer> peers) {
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
