package io.icemesh.signaling.room;

import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.config.SignalingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rooms this signaling instance serves and who is in them. A room exists while it has peers and keeps the mode
 * of its first peer. Membership changes are atomic per room, so two joins never both take the last place.
 */
@ApplicationScoped
public class RoomRegistry {

    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final Map<String, Peer> sessions = new ConcurrentHashMap<>();
    private final Map<String, Peer> resumable = new ConcurrentHashMap<>();
    private final SignalingConfig config;

    RoomRegistry(SignalingConfig config) {
        this.config = config;
    }

    private record Room(RoomMode mode, Map<String, Peer> peers) {
    }

    /** Outcome of a join. */
    public sealed interface JoinResult {
        /** Joined; {@code others} were in the room before. */
        record Joined(List<Peer> others) implements JoinResult {
        }

        /** Refused, with an error code and a message for the client. */
        record Refused(String code, String message) implements JoinResult {
        }
    }

    public JoinResult join(Peer peer) {
        if (sessions.putIfAbsent(peer.sessionId(), peer) != null) {
            return new JoinResult.Refused("session-in-use", "session " + peer.sessionId() + " is already joined");
        }
        int max = peer.mode() == RoomMode.SFU ? config.rooms().maxSfuPeers() : config.rooms().maxPeers();
        JoinResult[] result = new JoinResult[1];
        rooms.compute(peer.room(), (name, room) -> {
            Room r = room == null ? new Room(peer.mode(), new ConcurrentHashMap<>()) : room;
            if (r.mode() != peer.mode()) {
                result[0] = new JoinResult.Refused("wrong-mode",
                        "room \"" + name + "\" is a " + r.mode().wireName() + " room");
                return room;
            }
            if (r.peers().size() >= max) {
                result[0] = new JoinResult.Refused("room-full", "room \"" + name + "\" already has " + max + " peers");
                return room;
            }
            result[0] = new JoinResult.Joined(List.copyOf(r.peers().values()));
            r.peers().put(peer.peerId(), peer);
            return r;
        });
        if (result[0] instanceof JoinResult.Refused) {
            sessions.remove(peer.sessionId(), peer);
        } else {
            resumable.put(peer.resumeToken(), peer);
        }
        return result[0];
    }

    /** Removes a peer for good; returns the peers left in its room (empty if it was already gone). */
    public List<Peer> leave(Peer peer) {
        if (!sessions.remove(peer.sessionId(), peer)) {
            return List.of();
        }
        resumable.remove(peer.resumeToken(), peer);
        @SuppressWarnings("unchecked")
        List<Peer>[] left = new List[] {List.of()};
        rooms.computeIfPresent(peer.room(), (name, room) -> {
            room.peers().remove(peer.peerId(), peer);
            left[0] = List.copyOf(room.peers().values());
            return room.peers().isEmpty() ? null : room;
        });
        return left[0];
    }

    /** The away peer holding this resume token, if it is still in its grace time. */
    public Optional<Peer> byResumeToken(String token) {
        return token == null ? Optional.empty() : Optional.ofNullable(resumable.get(token));
    }

    public Optional<Peer> find(String room, String peerId) {
        Room r = rooms.get(room);
        return r == null ? Optional.empty() : Optional.ofNullable(r.peers().get(peerId));
    }

    public List<Peer> others(Peer peer) {
        Room r = rooms.get(peer.room());
        return r == null ? List.of()
                : r.peers().values().stream().filter(p -> p != peer).toList();
    }

    /** Number of rooms with at least one peer. */
    public int roomCount() {
        return rooms.size();
    }

    /** Number of peers in all rooms, away ones included. */
    public int peerCount() {
        return sessions.size();
    }
}
