package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.limit.RateLimiter;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signaling WebSocket at {@code /ws}: parses and limits messages, then hands them to {@link SignalingSessions}.
 * Every bad message gets an {@code error} reply with a code; the socket stays open. Protocol:
 * docs/signaling-protocol.md.
 */
@Startup
@WebSocket(path = "/ws")
public class SignalingSocket {

    /** Version of the message protocol, sent in {@code hello}. */
    public static final int PROTOCOL_VERSION = 1;

    private final ObjectMapper json;
    private final SignalingSessions sessions;
    private final SignalingConfig config;
    private final Counter rejected;
    private final Map<String, RateLimiter> limits = new ConcurrentHashMap<>();

    SignalingSocket(ObjectMapper json, SignalingSessions sessions, SignalingConfig config, MeterRegistry meters) {
        this.json = json;
        this.sessions = sessions;
        this.config = config;
        this.rejected = Counter.builder("icemesh.signaling.messages.rejected")
                .description("WebSocket messages refused with an error reply").register(meters);
    }

    @OnOpen
    public String onOpen(WebSocketConnection connection) {
        limits.put(connection.id(), RateLimiter.perSecond(config.protocol().maxMessagesPerSecond(),
                System.nanoTime()));
        return json.createObjectNode().put("type", "hello").put("protocol", PROTOCOL_VERSION).toString();
    }

    @OnTextMessage
    public String onMessage(String text, WebSocketConnection connection) {
        RateLimiter limit = limits.get(connection.id());
        if (limit != null && !limit.tryAcquire(System.nanoTime())) {
            return error("too-many", "more than " + config.protocol().maxMessagesPerSecond() + " messages a second");
        }
        if (text.length() > config.protocol().maxMessageBytes()
                || text.getBytes(StandardCharsets.UTF_8).length > config.protocol().maxMessageBytes()) {
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
        SignalingSessions.Reply reply = switch (type) {
            case "join" -> sessions.join(msg, connection);
            case "resume" -> sessions.resume(msg, connection);
            case "leave" -> sessions.leave(connection);
            case "offer", "answer", "candidate" -> sessions.relay(type, msg, connection);
            case "ice-restart" -> sessions.iceRestart(msg, connection);
            case "set-quality" -> sessions.setQuality(msg, connection);
            case "report" -> sessions.report(msg, connection);
            case "ice-servers" -> sessions.iceServers(connection);
            case "ping" -> SignalingSessions.Reply.of(json.createObjectNode().put("type", "pong"));
            default -> SignalingSessions.Reply.error("unknown-type", "unknown message type \"" + type + "\"");
        };
        if (reply == null) {
            return null;
        }
        if (reply.errorCode() != null) {
            return error(reply.errorCode(), reply.errorMessage());
        }
        return reply.message().toString();
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        limits.remove(connection.id());
        sessions.dropped(connection);
    }

    private String error(String code, String message) {
        rejected.increment();
        ObjectNode e = json.createObjectNode().put("type", "error").put("code", code).put("message", message);
        return e.toString();
    }
}
