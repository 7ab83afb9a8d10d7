package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.events.SessionEventPublisher;
import io.icemesh.signaling.room.Peer;
import io.icemesh.signaling.room.RoomRegistry;
import io.icemesh.signaling.room.RoomRegistry.JoinResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The signaling WebSocket at {@code /ws}: join and leave rooms, relay SDP and candidates between peers.
 * The message protocol is documented in docs/signaling-protocol.md.
 */
@Startup
@WebSocket(path = "/ws")
public class SignalingSocket {

    private static final Logger LOG = Logger.getLogger(SignalingSocket.class);
    private static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final ObjectMapper json;
    private final RoomRegistry rooms;
    private final SessionEventPublisher events;
    private final SignalingConfig config;
    private final Counter rejected;
    /** Connection id to the peer it joined as; a connection is in at most one room. */
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    SignalingSocket(ObjectMapper json, RoomRegistry rooms, SessionEventPublisher events, SignalingConfig config,
            MeterRegistry meters) {
        this.json = json;
        this.rooms = rooms;
        this.events = events;
        this.config = config;
        this.rejected = Counter.builder("icemesh.signaling.messages.rejected")
                .description("WebSocket messages refused with an error reply").register(meters);
        meters.gauge("icemesh.signaling.peers", rooms, RoomRegistry::peerCount);
        meters.gauge("icemesh.signaling.rooms", rooms, RoomRegistry::roomCount);
    }

    @OnOpen
    public String onOpen() {
        return reply("hello").put("protocol", 1).toString();
    }

    @OnTextMessage
    public String onMessage(String text, WebSocketConnection connection) {
        if (text.getBytes(StandardCharsets.UTF_8).length > config.protocol().maxMessageBytes()) {
            return error("too-large", "message exceeds " + config.protocol().maxMessageBytes() + " bytes");
        }
        JsonNode msg;
        try {
            msg = json.readTree(text);
        } catch (Exception e) {
            return error("bad-json", "message is not valid JSON");
        }
        if (msg == null || !msg.isObject() || !msg.path("type").isTextual()) {
            return error("bad-message", "message must be a JSON object with a string \"type\"");
        }
        String type = msg.get("type").asText();
        return switch (type) {
            case "join" -> join(msg, connection);
            case "leave" -> leave(connection);
            case "offer", "answer", "candidate" -> relay(type, msg, connection);
            case "ping" -> reply("pong").toString();
            default -> error("unknown-type", "unknown message type \"" + type + "\"");
        };
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        leave(connection);
    }

    private String join(JsonNode msg, WebSocketConnection connection) {
        if (peers.containsKey(connection.id())) {
            return error("already-joined", "leave the current room before joining another");
        }
        String room = msg.path("room").asText("");
        if (room.isEmpty() || room.length() > config.rooms().maxNameLength() || !ROOM_NAME.matcher(room).matches()) {
            return error("bad-room", "room must be 1-" + config.rooms().maxNameLength()
                    + " characters of A-Z a-z 0-9 . _ -");
        }
        Peer peer = new Peer(UUID.randomUUID().toString().substring(0, 8), UUID.randomUUID().toString(), room,
                connection);
        JoinResult result = rooms.join(peer);
        if (result instanceof JoinResult.RoomFull full) {
            return error("room-full", "room \"" + room + "\" already has " + full.maxPeers() + " peers");
        }
        peers.put(connection.id(), peer);
        var others = ((JoinResult.Joined) result).others();
        for (Peer other : others) {
            send(other, reply("peer-joined").put("peerId", peer.peerId()));
        }
        events.publish(SessionEvent.builder(SessionEventType.PEER_JOINED, peer.sessionId(), EventSource.SIGNALING)
                .roomId(room).peerId(peer.peerId()).build());
        LOG.infof("session %s joined room %s as %s (%d others)", peer.sessionId(), room, peer.peerId(),
                others.size());
        ObjectNode joined = reply("joined").put("room", room).put("peerId", peer.peerId())
                .put("sessionId", peer.sessionId());
        var list = joined.putArray("peers");
        others.forEach(o -> list.add(o.peerId()));
        return joined.toString();
    }

    private String leave(WebSocketConnection connection) {
        Peer peer = peers.remove(connection.id());
        if (peer == null) {
            return null;
        }
        for (Peer other : rooms.leave(peer)) {
            send(other, reply("peer-left").put("peerId", peer.peerId()));
        }
        events.publish(SessionEvent.builder(SessionEventType.PEER_LEFT, peer.sessionId(), EventSource.SIGNALING)
                .roomId(peer.room()).peerId(peer.peerId()).build());
        LOG.infof("session %s left room %s", peer.sessionId(), peer.room());
        return connection.isOpen() ? reply("left").toString() : null;
    }

    private String relay(String type, JsonNode msg, WebSocketConnection connection) {
        Peer from = peers.get(connection.id());
        if (from == null) {
            return error("not-joined", "join a room before sending " + type);
        }
        String to = msg.path("to").asText("");
        Peer target = rooms.find(from.room(), to).orElse(null);
        if (target == null) {
            return error("unknown-peer", "no peer \"" + to + "\" in room \"" + from.room() + "\"");
        }
        ObjectNode out = ((ObjectNode) msg.deepCopy()).put("from", from.peerId());
        out.remove("to");
        send(target, out);
        if (!"candidate".equals(type)) {
            SessionEventType kind = "offer".equals(type) ? SessionEventType.OFFER_RELAYED
                    : SessionEventType.ANSWER_RELAYED;
            events.publish(SessionEvent.builder(kind, from.sessionId(), EventSource.SIGNALING)
                    .roomId(from.room()).peerId(from.peerId()).build());
        }
        return null;
    }

    private void send(Peer peer, ObjectNode message) {
        peer.connection().sendText(message.toString()).subscribe().with(
                ok -> { },
                err -> LOG.debugf("could not send to peer %s: %s", peer.peerId(), err.getMessage()));
    }

    private ObjectNode reply(String type) {
        return json.createObjectNode().put("type", type);
    }

    private String error(String code, String message) {
        rejected.increment();
        return reply("error").put("code", code).put("message", message).toString();
    }
}
