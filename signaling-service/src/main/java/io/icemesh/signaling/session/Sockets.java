package io.icemesh.signaling.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.signaling.auth.RoomMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * This instance's sockets: every open one, the session each speaks for (its {@link Binding}), sending to them, and
 * whether the instance drains. Room state is not here: it is the room log's. Started with the application, so that
 * its connections gauge is there from the start.
 */
@Startup
@ApplicationScoped
public class Sockets {

    /**
     * Close reason for sockets of an instance that shuts down: the client resumes on another instance. 1012 is
     * "Service Restart" (IANA WebSocket close code registry).
     */
    public static final CloseReason DRAINING = new CloseReason(1012, "resume-elsewhere");

    /** A socket of this instance speaking for a session; {@code epoch} 0 until the log confirmed a resume. */
    public record Binding(String sessionId, String room, RoomMode mode, long epoch) {
    }

    private final ObjectMapper json;
    private final Map<String, WebSocketConnection> open = new ConcurrentHashMap<>();
    private final Map<String, Binding> bound = new ConcurrentHashMap<>();
    private volatile boolean draining;

    Sockets(ObjectMapper json, MeterRegistry meters) {
        this.json = json;
        meters.gauge("icemesh.signaling.connections", open, Map::size);
    }

    public void opened(WebSocketConnection connection) {
        open.put(connection.id(), connection);
    }

    /** The socket closed: forgets it and returns the session it spoke for, if any. */
    public Binding closed(String connectionId) {
        open.remove(connectionId);
        return bound.remove(connectionId);
    }

    /** The open socket with this id, or null. */
    public WebSocketConnection socket(String connectionId) {
        return connectionId == null ? null : open.get(connectionId);
    }

    /** Whether this instance holds the socket (it has not closed). */
    public boolean holds(String connectionId) {
        return open.containsKey(connectionId);
    }

    public int count() {
        return open.size();
    }

    public void bind(String connectionId, Binding binding) {
        bound.put(connectionId, binding);
    }

    public Binding binding(String connectionId) {
        return bound.get(connectionId);
    }

    public boolean isBound(String connectionId) {
        return bound.containsKey(connectionId);
    }

    public Binding unbind(String connectionId) {
        return bound.remove(connectionId);
    }

    /** Unbinds only if the socket still has this binding. */
    public boolean unbind(String connectionId, Binding binding) {
        return bound.remove(connectionId, binding);
    }

    public void forEachBinding(BiConsumer<String, Binding> action) {
        bound.forEach(action);
    }

    public void unbindAll() {
        bound.clear();
    }

    /** Every open socket is closed with {@link #DRAINING}. */
    public void closeAll() {
        open.values().forEach(c -> c.close(DRAINING).subscribe().with(ok -> { }, err -> { }));
    }

    /** From now on no session is taken: the instance shuts down. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Sends to the socket with this id if this instance holds it. */
    public void sendTo(String connectionId, String text) {
        WebSocketConnection c = socket(connectionId);
        if (c != null) {
            send(c, text);
        }
    }

    public static void send(WebSocketConnection connection, String text) {
        if (connection.isOpen()) {
            connection.sendText(text).subscribe().with(ok -> { }, err -> { });
        }
    }

    /** An {@code error} message with its code and reason. */
    public String errorJson(String code, String message) {
        return json.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
    }
}
