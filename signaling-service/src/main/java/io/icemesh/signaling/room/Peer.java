package io.icemesh.signaling.room;

import io.icemesh.signaling.auth.RoomMode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.websockets.next.WebSocketConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A peer in a room: one signaling session. Its socket may drop and be replaced by a resumed one. Every message
 * delivered to it carries a sequence number {@code seq} and stays in a bounded replay buffer, so that a resume
 * replays what the client did not see: a message written into a socket that was already dead is not lost.
 */
public final class Peer {

    private final String peerId;
    private final String sessionId;
    private final String subject;
    private final String room;
    private final RoomMode mode;
    private final String resumeToken;
    private final long joinedAtMs;
    private final int replayLimit;
    private final String mediaNode;
    private final Deque<Sent> replay = new ArrayDeque<>();
    private long seq;
    private WebSocketConnection connection;
    private long graceTimer = -1;

    private record Sent(long seq, String text) {
    }

    public Peer(String peerId, String sessionId, String subject, String room, RoomMode mode, String resumeToken,
            WebSocketConnection connection, int replayLimit, String mediaNode) {
        this.mediaNode = mediaNode;
        this.peerId = peerId;
        this.sessionId = sessionId;
        this.subject = subject;
        this.room = room;
        this.mode = mode;
        this.resumeToken = resumeToken;
        this.connection = connection;
        this.replayLimit = replayLimit;
        this.joinedAtMs = System.currentTimeMillis();
    }

    public String peerId() { return peerId; }
    public String sessionId() { return sessionId; }
    public String subject() { return subject; }
    public String room() { return room; }
    public RoomMode mode() { return mode; }
    public String resumeToken() { return resumeToken; }
    public long joinedAtMs() { return joinedAtMs; }
    /** The media-service node of an SFU room, null in a P2P room. */
    public String mediaNode() { return mediaNode; }

    public synchronized WebSocketConnection connection() {
        return connection;
    }

    public synchronized boolean connected() {
        return connection != null;
    }

    /** Marks the peer away if {@code from} is still its socket; returns false otherwise. */
    public synchronized boolean detachFrom(WebSocketConnection from, long timerId) {
        if (connection == null || !connection.id().equals(from.id())) {
            return false;
        }
        connection = null;
        graceTimer = timerId;
        return true;
    }

    /**
     * Gives the peer a new socket and returns the messages after {@code lastSeq} still in the replay buffer, in
     * order, for the caller to send after its reply.
     */
    public synchronized List<String> attach(WebSocketConnection to, long lastSeq) {
        connection = to;
        graceTimer = -1;
        List<String> missed = new ArrayList<>();
        for (Sent s : replay) {
            if (s.seq() > lastSeq) {
                missed.add(s.text());
            }
        }
        return missed;
    }

    public synchronized long graceTimer() {
        return graceTimer;
    }

    /** Numbers the message, keeps it for a replay, and sends it now if the peer has a socket. */
    public void deliver(ObjectNode message) {
        WebSocketConnection target;
        String text;
        synchronized (this) {
            text = message.deepCopy().put("seq", ++seq).toString();
            if (replay.size() >= replayLimit) {
                replay.removeFirst();
            }
            replay.addLast(new Sent(seq, text));
            target = connection;
        }
        if (target != null) {
            target.sendText(text).subscribe().with(ok -> { }, err -> { });
        }
    }

    /** Sends a direct reply (not numbered, not replayed) if the peer has a socket. */
    public void reply(String text) {
        resend(text);
    }

    /** Sends a message that was already numbered (a replay). */
    public void resend(String text) {
        WebSocketConnection target = connection();
        if (target != null) {
            target.sendText(text).subscribe().with(ok -> { }, err -> { });
        }
    }
}
