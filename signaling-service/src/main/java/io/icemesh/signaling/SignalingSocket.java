package io.icemesh.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.media.SfuSessions;
import io.icemesh.signaling.protocol.ClientMessage;
import io.icemesh.signaling.protocol.Reply;
import io.icemesh.stun.TokenBucket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.Vertx;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The signaling WebSocket at {@code /ws}: limits messages, reads each once ({@link ClientMessage}), then hands it to
 * {@link SignalingSessions} (SFU requests to {@link SfuSessions}).
 * Every bad message gets an {@code error} reply with a code; the socket stays open, except after a message so large
 * that the transport stopped reading it ({@code quarkus.websockets-next.server.max-message-size}): that one gets
 * {@code too-large} and the socket closes with 1009. Protocol: docs/signaling-protocol.md.
 */
@Startup
@WebSocket(path = "/ws")
public class SignalingSocket {

    /** Version of the message protocol, sent in {@code hello}. */
    public static final int PROTOCOL_VERSION = 1;

    /** Close reason of a socket that joined no room in time ({@code icemesh.signaling.protocol.join-deadline}). */
    static final CloseReason JOIN_DEADLINE = new CloseReason(4008, "join-deadline");

    /** Close reason after a message the transport stopped reading: the protocol's error code. */
    static final CloseReason TOO_LARGE = new CloseReason(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "too-large");

    private static final Logger LOG = Logger.getLogger(SignalingSocket.class);

    private final ObjectMapper json;
    private final SignalingSessions sessions;
    private final SfuSessions sfu;
    private final SignalingConfig config;
    private final TooLargeMessages tooLarge;
    private final Counter rejected;
    private final Map<String, TokenBucket> limits = new ConcurrentHashMap<>();
    /** Connections closing after an oversized message: what Vert.x still hands over from them is ignored. */
    private final Set<String> closing = ConcurrentHashMap.newKeySet();
    /** Each open socket's join deadline timer (Vert.x timer id). */
    private final Map<String, Long> joinDeadlines = new ConcurrentHashMap<>();
    private final Vertx vertx;

    SignalingSocket(ObjectMapper json, SignalingSessions sessions, SfuSessions sfu, SignalingConfig config,
            TooLargeMessages tooLarge, MeterRegistry meters, Vertx vertx) {
        this.vertx = vertx;
        this.json = json;
        this.sessions = sessions;
        this.sfu = sfu;
        this.config = config;
        this.tooLarge = tooLarge;
        this.rejected = Counter.builder("icemesh.signaling.messages.rejected")
                .description("WebSocket messages refused with an error reply").register(meters);
    }

    @OnOpen
    public String onOpen(WebSocketConnection connection) {
        sessions.opened(connection);
        limits.put(connection.id(), TokenBucket.perSecond(config.protocol().maxMessagesPerSecond(),
                System.nanoTime()));
        long deadlineMs = Math.max(1, config.protocol().joinDeadline().toMillis());
        joinDeadlines.put(connection.id(), vertx.setTimer(deadlineMs, timer -> {
            joinDeadlines.remove(connection.id());
            if (!sessions.bound(connection) && connection.isOpen()) {
                LOG.debugf("socket %s joined no room within %s: closed", connection.id(),
                        config.protocol().joinDeadline());
                connection.close(JOIN_DEADLINE).subscribe().with(ignored -> { }, failure -> { });
            }
        }));
        return json.createObjectNode().put("type", "hello").put("protocol", PROTOCOL_VERSION).toString();
    }

    /**
     * Runs on the socket's event loop, not on a worker thread: nothing a message leads to waits (the room log and
     * Kafka writes are queued for their own threads, tokens and TURN credentials are HMACs), and a relay then leaves
     * without a hand-over to a worker and back, which costs most under CPU contention (docs/benchmarks.md, "A relay on
     * the event loop"). Messages, open and close of one socket are still handled one at a time, in order.
     */
    @OnTextMessage
    @NonBlocking
    public String onMessage(String text, WebSocketConnection connection) {
        if (closing.contains(connection.id())) {
            // The rest of a message the transport gave up on: Vert.x starts a new message from its later frames.
            return null;
        }
        TokenBucket limit = limits.get(connection.id());
        if (limit != null && !limit.tryTake(1, System.nanoTime())) {
            return error("too-many", "more than " + config.protocol().maxMessagesPerSecond() + " messages a second");
        }
        if (text.length() > config.protocol().maxMessageBytes()
                || text.getBytes(StandardCharsets.UTF_8).length > config.protocol().maxMessageBytes()) {
            tooLarge.refused();
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
        Reply reply = dispatch(ClientMessage.of(msg), connection);
        if (reply == null) {
            return null;
        }
        if (reply.errorCode() != null) {
            return error(reply.errorCode(), reply.errorMessage());
        }
        return reply.message().toString();
    }

    /** Hands a message to the sessions (SFU requests to the SFU side); the reply, or null when none is due now. */
    private Reply dispatch(ClientMessage m, WebSocketConnection connection) {
        if (m instanceof ClientMessage.Join join) {
            return sessions.join(join, connection);
        } else if (m instanceof ClientMessage.Resume resume) {
            return sessions.resume(resume, connection);
        } else if (m instanceof ClientMessage.Leave) {
            return sessions.leave(connection);
        } else if (m instanceof ClientMessage.Relay relay) {
            return sessions.relay(relay, connection);
        } else if (m instanceof ClientMessage.IceRestart restart) {
            return sfu.iceRestart(restart, connection);
        } else if (m instanceof ClientMessage.SetQuality quality) {
            return sfu.setQuality(quality, connection);
        } else if (m instanceof ClientMessage.SfuStalled stalled) {
            return sfu.sfuStalled(stalled, connection);
        } else if (m instanceof ClientMessage.Report report) {
            return sessions.report(report, connection);
        } else if (m instanceof ClientMessage.IceServers) {
            return sessions.iceServers(connection);
        } else if (m instanceof ClientMessage.Ping) {
            return Reply.of(json.createObjectNode().put("type", "pong"));
        }
        return Reply.error("unknown-type", "unknown message type \"" + m.type() + "\"");
    }

    /**
     * Vert.x refuses a message past {@code quarkus.websockets-next.server.max-message-size} with an
     * IllegalStateException and stops reading it; the client is told {@code too-large} and the socket closed. Any
     * other IllegalStateException is handled as Quarkus would without this method: logged with its stack trace, and
     * the socket closed with 1011.
     */
    @OnError
    public Uni<Void> onIllegalState(IllegalStateException failure, WebSocketConnection connection) {
        return TooLargeMessages.isOversized(failure) ? refuseOversized(failure, connection)
                : unexpected(failure, connection);
    }

    /**
     * Netty refuses a frame past {@code quarkus.websockets-next.server.max-frame-size} and has already closed the
     * socket with 1009; only the log line and the count are left to do.
     */
    @OnError
    public Uni<Void> onCorruptedFrame(CorruptedWebSocketFrameException failure, WebSocketConnection connection) {
        return TooLargeMessages.isOversized(failure) ? refuseOversized(failure, connection)
                : unexpected(failure, connection);
    }

    private Uni<Void> refuseOversized(Throwable failure, WebSocketConnection connection) {
        if (!closing.add(connection.id())) {
            return Uni.createFrom().voidItem();
        }
        tooLarge.refusedByTransport(connection.id(), failure);
        if (connection.isClosed()) {
            return Uni.createFrom().voidItem();
        }
        String reply = error("too-large", "message exceeds " + config.protocol().maxMessageBytes()
                + " bytes; the socket closes");
        return connection.sendText(reply).onFailure().recoverWithNull()
                .chain(() -> connection.close(TOO_LARGE)).onFailure().recoverWithNull();
    }

    private Uni<Void> unexpected(Throwable failure, WebSocketConnection connection) {
        LOG.errorf(failure, "unexpected failure on WebSocket %s", connection.id());
        return connection.close(CloseReason.INTERNAL_SERVER_ERROR).onFailure().recoverWithNull();
    }

    @OnClose
    public void onClose(WebSocketConnection connection) {
        Long deadline = joinDeadlines.remove(connection.id());
        if (deadline != null) {
            vertx.cancelTimer(deadline);
        }
        closing.remove(connection.id());
        limits.remove(connection.id());
        sessions.dropped(connection);
    }

    private String error(String code, String message) {
        rejected.increment();
        ObjectNode e = json.createObjectNode().put("type", "error").put("code", code).put("message", message);
        return e.toString();
    }
}
