package io.icemesh.signaling.room;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.auth.RoomMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every room, as a deterministic state machine over the room log. Each signaling instance applies the same records
 * in the same order (one partition per room, read whole by every instance), so every instance holds the same rooms,
 * members, per-session {@code seq} counters and replay buffers, and decides every race (two joins for the last place)
 * the same way. No clock, no randomness, no iteration over unordered collections where the result is visible.
 *
 * <p>Thread-safe: the log's reader applies, anyone may read.
 */
public final class RoomStateMachine {

    /**
     * Limits every instance must share (they decide joins and replays). {@code roomReplayBytes} bounds the replay
     * buffers of a whole room, counted as the bytes they take in a snapshot, so that every room's snapshot fits one
     * Kafka record ({@link #MAX_ROOM_REPLAY_BYTES}); 0 in records from before it was carried: the replica's own.
     */
    public record Limits(int maxPeers, int maxSfuPeers, int replayBacklog, int maxReportEntries, int roomReplayBytes) {

        /** Limits without a room replay budget of their own (the replica's applies). */
        public Limits(int maxPeers, int maxSfuPeers, int replayBacklog, int maxReportEntries) {
            this(maxPeers, maxSfuPeers, replayBacklog, maxReportEntries, 0);
        }
    }

    /** Largest room replay budget accepted (the snapshot bound below must hold as well). */
    public static final int MAX_ROOM_REPLAY_BYTES = 512 * 1024;

    /**
     * Most bytes one session's fields other than its replay buffer take in a snapshot: its subject and session id
     * come from a room token of at most {@code RoomTokens.MAX_TOKEN_CHARS} characters, the rest is short.
     */
    static final int MAX_MEMBER_SNAPSHOT_BYTES = 4096;

    /** Most bytes one SFU reference takes in a snapshot ({@code answer:} and a UUID, quoted). */
    static final int MAX_SFU_REF_SNAPSHOT_BYTES = 48;

    /**
     * The largest snapshot a room can have under these limits: its replay budget, its members, its SFU references
     * and the room's own fields. RoomSnapshotSizeTest builds such a room and checks that it stays within this.
     */
    public static long snapshotBound(Limits limits) {
        int peers = Math.max(limits.maxPeers(), limits.maxSfuPeers());
        return (long) limits.roomReplayBytes() + (long) peers * MAX_MEMBER_SNAPSHOT_BYTES
                + (long) SFU_REFS_KEPT * MAX_SFU_REF_SNAPSHOT_BYTES + 1024;
    }

    /** The outcome of one record and the numbered messages it produced, in order. */
    public record Applied(Outcome outcome, List<Delivery> deliveries) {
    }

    /** A session waiting for its resume since {@code detachedAtMs} (wall time, written by whoever saw the drop). */
    public record Away(Member member, long detachedAtMs) {
    }

    /**
     * Duplicate SFU messages (every instance writes its copy of media-service's message) are recognised among this
     * many of a room's latest ones. Per room, not per session, so that a room's snapshot is bounded whatever its size.
     */
    static final int SFU_REFS_KEPT = 1024;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper SNAPSHOT_JSON = new ObjectMapper()
            .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            // A snapshot written by a newer build may carry fields this one does not know: they are left out.
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Limits limits;

    /** The limits this replica applies to joins that carry none. */
    public Limits limits() {
        return limits;
    }
    private final Map<String, Room> rooms = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    private final Map<String, Session> byResumeToken = new HashMap<>();

    public RoomStateMachine(Limits limits) {
        this.limits = limits;
    }

    /** One message kept for replay. */
    record Sent(long seq, String text) {
    }

    static final class Session {
        String sessionId;
        String peerId;
        String subject;
        String room;
        RoomMode mode;
        String resumeToken;
        long joinedAtMs;
        boolean admitted;
        long epoch;
        String instance;
        String connection;
        long detachedAtMs;
        long seq;
        int reported;
        /** The limits its join carried (0 in snapshots from before they were: the replica's own then). */
        int replayBacklog;
        int maxReportEntries;
        ArrayDeque<Sent> backlog = new ArrayDeque<>();
        /** The newest seq no longer kept for replay (0: nothing dropped yet); a resume from before it has a gap. */
        long replayFloor;
        /** Snapshot bytes of {@link #backlog} (recomputed on restore). */
        transient long keptBytes;
    }

    static final class Room {
        String name;
        RoomMode mode;
        String node;
        /** Replay budget of the whole room in snapshot bytes, from its first join (0: the replica's own). */
        int replayBytes;
        /** References of the latest SFU messages applied (to recognise the other instances' copies). */
        LinkedHashSet<String> sfuRefs = new LinkedHashSet<>();
        /** Peer id to session, in join order. */
        LinkedHashMap<String, Session> peers = new LinkedHashMap<>();
    }

    public synchronized Applied apply(RoomCommand command) {
        List<Delivery> out = new ArrayList<>();
        Outcome outcome;
        if (command instanceof RoomCommand.Join j) {
            outcome = join(j, out);
        } else if (command instanceof RoomCommand.Admit a) {
            outcome = admit(a, out);
        } else if (command instanceof RoomCommand.Abandon a) {
            outcome = abandon(a);
        } else if (command instanceof RoomCommand.Leave l) {
            outcome = leave(l, out);
        } else if (command instanceof RoomCommand.Disconnected d) {
            outcome = disconnected(d);
        } else if (command instanceof RoomCommand.Resume r) {
            outcome = resume(r, out);
        } else if (command instanceof RoomCommand.Relay r) {
            outcome = relay(r, out);
        } else if (command instanceof RoomCommand.SfuMessage m) {
            outcome = sfuMessage(m, out);
        } else if (command instanceof RoomCommand.Expire e) {
            outcome = expire(e, out);
        } else if (command instanceof RoomCommand.InstanceGone g) {
            outcome = instanceGone(g);
        } else if (command instanceof RoomCommand.MoveRoom m) {
            outcome = moveRoom(m);
        } else if (command instanceof RoomCommand.SfuStalled st) {
            outcome = sfuStalled(st);
        } else {
            outcome = report((RoomCommand.Report) command);
        }
        return new Applied(outcome, List.copyOf(out));
    }

    /** Why the log would refuse {@code j} in this state (before its SFU node is chosen), or null. */
    private Outcome.Refused refusal(RoomCommand.Join j) {
        if (sessions.containsKey(j.sessionId())) {
            return new Outcome.Refused("session-in-use", "session " + j.sessionId() + " is already joined");
        }
        Room room = rooms.get(j.room());
        if (room != null && room.mode != j.mode()) {
            return new Outcome.Refused("wrong-mode", "room \"" + j.room() + "\" is a " + room.mode.wireName()
                    + " room");
        }
        Limits l = j.limits() != null ? j.limits() : limits;
        int max = j.mode() == RoomMode.SFU ? l.maxSfuPeers() : l.maxPeers();
        if (room != null && room.peers.size() >= max) {
            return new Outcome.Refused("room-full", "room \"" + j.room() + "\" already has " + max + " peers");
        }
        return null;
    }

    private Outcome join(RoomCommand.Join j, List<Delivery> out) {
        Outcome.Refused refused = refusal(j);
        if (refused != null) {
            return refused;
        }
        Room room = rooms.get(j.room());
        Limits l = j.limits() != null ? j.limits() : limits;
        String node = null;
        if (j.mode() == RoomMode.SFU) {
            boolean keep = room != null && room.node != null && !room.node.equals(j.replacesNode());
            node = keep ? room.node : j.proposedNode();
            if (node == null) {
                return new Outcome.Refused("sfu-unavailable", "no media-service node can take room \"" + j.room()
                        + "\" now");
            }
        }
        if (room == null) {
            room = new Room();
            room.name = j.room();
            room.mode = j.mode();
            room.replayBytes = l.roomReplayBytes();
            rooms.put(j.room(), room);
        }
        room.node = node;
        Session s = new Session();
        s.sessionId = j.sessionId();
        s.peerId = j.peerId();
        s.subject = j.subject();
        s.room = j.room();
        s.mode = j.mode();
        s.resumeToken = j.resumeToken();
        s.joinedAtMs = j.atMs();
        s.admitted = j.mode() == RoomMode.P2P;
        s.epoch = 1;
        s.replayBacklog = l.replayBacklog();
        s.maxReportEntries = l.maxReportEntries();
        s.instance = j.origin();
        s.connection = j.connection();
        List<Member> others = admittedOthers(room, s);
        room.peers.put(s.peerId, s);
        sessions.put(s.sessionId, s);
        byResumeToken.put(s.resumeToken, s);
        if (!s.admitted) {
            return new Outcome.Pending(member(s, room));
        }
        announceJoin(room, s, out);
        return new Outcome.Joined(member(s, room), others);
    }

    private Outcome admit(RoomCommand.Admit a, List<Delivery> out) {
        Session s = sessions.get(a.sessionId());
        if (s == null || s.admitted) {
            return new Outcome.Ignored("no session " + a.sessionId() + " waiting for its media node");
        }
        Room room = rooms.get(s.room);
        List<Member> others = admittedOthers(room, s);
        s.admitted = true;
        announceJoin(room, s, out);
        return new Outcome.Joined(member(s, room), others);
    }

    private Outcome abandon(RoomCommand.Abandon a) {
        Session s = sessions.get(a.sessionId());
        if (s == null || s.admitted) {
            return new Outcome.Ignored("no session " + a.sessionId() + " waiting for its media node");
        }
        Member self = member(s, rooms.get(s.room));
        return new Outcome.Abandoned(self, remove(s));
    }

    private Outcome leave(RoomCommand.Leave l, List<Delivery> out) {
        Session s = sessions.get(l.sessionId());
        if (s == null || s.epoch != l.epoch()) {
            return new Outcome.Ignored("session " + l.sessionId() + " is gone or resumed elsewhere");
        }
        return depart(s, "left", out);
    }

    private Outcome expire(RoomCommand.Expire e, List<Delivery> out) {
        Session s = sessions.get(e.sessionId());
        if (s == null || s.epoch != e.epoch() || s.instance != null) {
            return new Outcome.Ignored("session " + e.sessionId() + " resumed or is gone");
        }
        return depart(s, "timeout", out);
    }

    private Outcome depart(Session s, String reason, List<Delivery> out) {
        Room room = rooms.get(s.room);
        Member self = member(s, room);
        boolean wasAdmitted = s.admitted;
        boolean empty = remove(s);
        if (wasAdmitted && !empty) {
            for (Session other : room.peers.values()) {
                if (other.admitted) {
                    deliver(other, NODES.objectNode().put("type", "peer-left").put("peerId", s.peerId)
                            .put("reason", reason), out);
                }
            }
        }
        return new Outcome.Left(self, reason, empty);
    }

    private Outcome disconnected(RoomCommand.Disconnected d) {
        Session s = sessions.get(d.sessionId());
        if (s == null || s.epoch != d.epoch() || s.instance == null) {
            return new Outcome.Ignored("session " + d.sessionId() + " resumed, is away already, or is gone");
        }
        detach(s, d.atMs());
        return new Outcome.Detached(List.of(member(s, rooms.get(s.room))), d.atMs());
    }

    private Outcome instanceGone(RoomCommand.InstanceGone g) {
        Room room = rooms.get(g.room());
        if (room == null) {
            return new Outcome.Ignored("no room " + g.room());
        }
        List<Member> detached = new ArrayList<>();
        for (Session s : room.peers.values()) {
            if (g.instance().equals(s.instance)) {
                detach(s, g.atMs());
                detached.add(member(s, room));
            }
        }
        return detached.isEmpty() ? new Outcome.Ignored("no session of " + g.instance() + " in " + g.room())
                : new Outcome.Detached(detached, g.atMs());
    }

    private Outcome moveRoom(RoomCommand.MoveRoom m) {
        Room room = rooms.get(m.room());
        if (room == null || room.node == null || !room.node.equals(m.from()) || m.to() == null
                || m.to().equals(m.from())) {
            return new Outcome.Ignored("room " + m.room() + " is not on " + m.from());
        }
        room.node = m.to();
        List<Member> members = new ArrayList<>();
        for (Session s : room.peers.values()) {
            members.add(member(s, room));
        }
        return new Outcome.Moved(m.room(), m.from(), m.to(), m.reason(), members);
    }

    private Outcome sfuStalled(RoomCommand.SfuStalled st) {
        Session s = sessions.get(st.sessionId());
        Room room = s == null ? null : rooms.get(s.room);
        if (room == null || !s.admitted || !room.name.equals(st.room()) || room.node == null
                || !room.node.equals(st.node())) {
            return new Outcome.Ignored("session " + st.sessionId() + " is not admitted to a room on " + st.node());
        }
        return new Outcome.Stalled(room.name, room.node, st.sessionId(), st.atMs());
    }

    /** SFU rooms by the media node they are on (rooms sorted). */
    public synchronized Map<String, Set<String>> roomsByNode() {
        Map<String, Set<String>> map = new HashMap<>();
        for (Room r : rooms.values()) {
            if (r.node != null) {
                map.computeIfAbsent(r.node, k -> new TreeSet<>()).add(r.name);
            }
        }
        return map;
    }

    private Outcome resume(RoomCommand.Resume r, List<Delivery> out) {
        Session s = r.resumeToken() == null ? null : byResumeToken.get(r.resumeToken());
        if (s == null || !s.room.equals(r.room())) {
            return new Outcome.Refused("bad-resume", "unknown or expired resume token; join again");
        }
        if (r.lastSeq() < s.replayFloor) {
            // Messages after the client's last seq were dropped from the replay buffer (too many, or the room's
            // budget): a resume would hide the gap. The session leaves (its peers see peer-left) so that the client
            // can join again at once; its writer answers bad-resume.
            return depart(s, "resume-gap", out);
        }
        Room room = rooms.get(s.room);
        Member previous = member(s, room);
        s.epoch++;
        s.instance = r.origin();
        s.connection = r.connection();
        s.detachedAtMs = 0;
        List<String> missed = new ArrayList<>();
        for (Sent sent : s.backlog) {
            if (sent.seq() > r.lastSeq()) {
                missed.add(sent.text());
            }
        }
        return new Outcome.Resumed(member(s, room), others(room, s), missed, previous);
    }

    private Outcome relay(RoomCommand.Relay r, List<Delivery> out) {
        Session from = sessions.get(r.sessionId());
        if (from == null || !r.connection().equals(from.connection) || !r.origin().equals(from.instance)) {
            return new Outcome.Refused("not-joined", "join a room before sending " + r.type());
        }
        Room room = rooms.get(from.room);
        Session to = room.peers.get(r.to());
        if (to == null || to == from || !to.admitted) {
            return new Outcome.Refused("unknown-peer", "no other peer \"" + r.to() + "\" in room \"" + from.room
                    + "\"");
        }
        deliver(to, r.body().deepCopy().put("from", from.peerId), out);
        return new Outcome.Relayed(member(from, room), member(to, room));
    }

    private Outcome sfuMessage(RoomCommand.SfuMessage m, List<Delivery> out) {
        Session s = sessions.get(m.sessionId());
        if (s == null) {
            return new Outcome.Ignored("no session " + m.sessionId());
        }
        Room room = rooms.get(s.room);
        if (!room.sfuRefs.add(m.ref())) {
            return new Outcome.Ignored("duplicate SFU message " + m.ref());
        }
        if (room.sfuRefs.size() > SFU_REFS_KEPT) {
            room.sfuRefs.remove(room.sfuRefs.iterator().next());
        }
        deliver(s, m.message().deepCopy(), out);
        return new Outcome.Relayed(null, member(s, rooms.get(s.room)));
    }

    private Outcome report(RoomCommand.Report r) {
        Session s = sessions.get(r.sessionId());
        if (s == null) {
            return new Outcome.Refused("not-joined", "join a room before reporting");
        }
        int maxEntries = s.maxReportEntries > 0 ? s.maxReportEntries : limits.maxReportEntries();
        if (s.reported + r.entries() > maxEntries) {
            return new Outcome.Refused("too-many", "a session reports at most " + maxEntries + " entries");
        }
        s.reported += r.entries();
        return new Outcome.Accepted(member(s, rooms.get(s.room)), r.entries());
    }

    private void announceJoin(Room room, Session s, List<Delivery> out) {
        for (Session other : room.peers.values()) {
            if (other != s && other.admitted) {
                deliver(other, NODES.objectNode().put("type", "peer-joined").put("peerId", s.peerId)
                        .put("user", s.subject), out);
            }
        }
    }

    /**
     * Numbers the message for the session, keeps it for a replay, and hands it to whoever holds the socket. The
     * session keeps its last {@code replayBacklog} messages, and the room its budget of bytes: over it, the session
     * keeping the most bytes (the first of them in join order) drops its oldest message.
     */
    private void deliver(Session s, ObjectNode message, List<Delivery> out) {
        String text = message.put("seq", ++s.seq).toString();
        int backlog = s.replayBacklog > 0 ? s.replayBacklog : limits.replayBacklog();
        while (!s.backlog.isEmpty() && s.backlog.size() >= backlog) {
            dropOldest(s);
        }
        s.backlog.addLast(new Sent(s.seq, text));
        s.keptBytes += snapshotBytes(text);
        Room room = rooms.get(s.room);
        long budget = room.replayBytes > 0 ? room.replayBytes : limits.roomReplayBytes();
        if (budget > 0) {
            long kept = 0;
            for (Session p : room.peers.values()) {
                kept += p.keptBytes;
            }
            while (kept > budget) {
                Session largest = null;
                for (Session p : room.peers.values()) {
                    if (largest == null || p.keptBytes > largest.keptBytes) {
                        largest = p;
                    }
                }
                kept -= dropOldest(largest);
            }
        }
        out.add(new Delivery(s.sessionId, s.instance, s.connection, text));
    }

    private static long dropOldest(Session s) {
        Sent dropped = s.backlog.removeFirst();
        long bytes = snapshotBytes(dropped.text());
        s.keptBytes -= bytes;
        s.replayFloor = dropped.seq();
        return bytes;
    }

    /**
     * Bytes a replayed message takes in a room snapshot: the text as a JSON string in UTF-8 (quotes and backslashes
     * escaped; a message's text is itself JSON, so it holds no raw control characters), plus its seq and field names.
     */
    static long snapshotBytes(String text) {
        long bytes = 48; // {"seq":<up to 19 digits>,"text":""},

        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                bytes += 2;
            } else if (c < 0x20) {
                bytes += 6;
            } else if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800 || Character.isSurrogate(c)) {
                bytes += 2;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static void detach(Session s, long atMs) {
        s.instance = null;
        s.connection = null;
        s.detachedAtMs = atMs;
    }

    /** Removes a session; returns whether its room is now empty (and gone, with its media node placement). */
    private boolean remove(Session s) {
        sessions.remove(s.sessionId);
        byResumeToken.remove(s.resumeToken);
        Room room = rooms.get(s.room);
        room.peers.remove(s.peerId);
        if (room.peers.isEmpty()) {
            rooms.remove(s.room);
            return true;
        }
        return false;
    }

    private List<Member> admittedOthers(Room room, Session self) {
        List<Member> list = new ArrayList<>();
        if (room != null) {
            for (Session o : room.peers.values()) {
                if (o != self && o.admitted) {
                    list.add(member(o, room));
                }
            }
        }
        return list;
    }

    private List<Member> others(Room room, Session self) {
        return admittedOthers(room, self);
    }

    private static Member member(Session s, Room room) {
        return new Member(s.sessionId, s.peerId, s.subject, s.room, s.mode, room == null ? null : room.node,
                s.resumeToken, s.joinedAtMs, s.epoch, s.instance, s.connection, s.admitted);
    }

    // ---- reads for the instance ----

    public synchronized Optional<Member> member(String sessionId) {
        Session s = sessions.get(sessionId);
        return s == null ? Optional.empty() : Optional.of(member(s, rooms.get(s.room)));
    }

    /** The session holding this resume token. */
    public synchronized Optional<Member> byResumeToken(String token) {
        Session s = token == null ? null : byResumeToken.get(token);
        return s == null ? Optional.empty() : Optional.of(member(s, rooms.get(s.room)));
    }

    /** The media node an SFU room is placed on, if the room exists and has one. */
    public synchronized Optional<String> mediaNode(String room) {
        Room r = rooms.get(room);
        return r == null ? Optional.empty() : Optional.ofNullable(r.node);
    }

    /** The session known as {@code peerId} in {@code room}, admitted or not. */
    public synchronized Optional<Member> peer(String room, String peerId) {
        Room r = rooms.get(room);
        Session s = r == null ? null : r.peers.get(peerId);
        return s == null ? Optional.empty() : Optional.of(member(s, r));
    }

    /**
     * The peer a P2P join's offer would go to if the log applied {@code j} now (the first admitted peer of its room,
     * as {@code joined}'s first peer), or empty when this replica says the log would refuse the join or the room has
     * no one else. A guess from this replica: the log, applying the join later, may decide otherwise.
     */
    public synchronized Optional<Member> firstPeerIfAdmitted(RoomCommand.Join j) {
        if (j.mode() != RoomMode.P2P || refusal(j) != null) {
            return Optional.empty();
        }
        List<Member> others = admittedOthers(rooms.get(j.room()), null);
        return others.isEmpty() ? Optional.empty() : Optional.of(others.get(0));
    }

    /** The admitted peers of a room, in join order. */
    public synchronized List<Member> members(String room) {
        return admittedOthers(rooms.get(room), null);
    }

    /** Instances that hold at least one session's socket, by room (rooms sorted, for a stable order). */
    public synchronized Map<String, Set<String>> roomsByInstance() {
        Map<String, Set<String>> map = new HashMap<>();
        for (Session s : sessions.values()) {
            if (s.instance != null) {
                map.computeIfAbsent(s.instance, k -> new TreeSet<>()).add(s.room);
            }
        }
        return map;
    }

    /** Sessions whose socket {@code instance} holds. */
    public synchronized List<Member> attachedTo(String instance) {
        List<Member> list = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (instance.equals(s.instance)) {
                list.add(member(s, rooms.get(s.room)));
            }
        }
        return list;
    }

    /** Sessions waiting for a resume. */
    public synchronized List<Away> away() {
        List<Away> list = new ArrayList<>();
        for (Session s : sessions.values()) {
            if (s.instance == null) {
                list.add(new Away(member(s, rooms.get(s.room)), s.detachedAtMs));
            }
        }
        return list;
    }

    /** SFU sessions per media node, over every room placed on one (waiting or admitted, attached or away). */
    public synchronized Map<String, Integer> sessionsByNode() {
        Map<String, Integer> map = new HashMap<>();
        for (Room r : rooms.values()) {
            if (r.node != null) {
                map.merge(r.node, r.peers.size(), Integer::sum);
            }
        }
        return map;
    }

    public synchronized int roomCount() {
        return rooms.size();
    }

    public synchronized int peerCount() {
        return sessions.size();
    }

    // ---- snapshots ----

    /** Forgets every room (the reader starts over from the snapshots). */
    public synchronized void clear() {
        rooms.clear();
        sessions.clear();
        byResumeToken.clear();
    }

    /** The room's whole state as JSON, or null if it does not exist. */
    public synchronized JsonNode snapshot(String room) {
        Room r = rooms.get(room);
        return r == null ? null : SNAPSHOT_JSON.valueToTree(r);
    }

    /** Replaces a room's state with a snapshot (null: the room does not exist). */
    public synchronized void restore(String room, JsonNode snapshot) {
        Room old = rooms.remove(room);
        if (old != null) {
            for (Session s : old.peers.values()) {
                sessions.remove(s.sessionId);
                byResumeToken.remove(s.resumeToken);
            }
        }
        if (snapshot == null || snapshot.isNull()) {
            return;
        }
        Room r = SNAPSHOT_JSON.convertValue(snapshot, Room.class);
        rooms.put(room, r);
        for (Session s : r.peers.values()) {
            sessions.put(s.sessionId, s);
            byResumeToken.put(s.resumeToken, s);
            s.keptBytes = 0;
            s.backlog.forEach(sent -> s.keptBytes += snapshotBytes(sent.text()));
        }
    }
}
