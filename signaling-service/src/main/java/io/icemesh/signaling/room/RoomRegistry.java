package io.icemesh.signaling.room;

import io.icemesh.signaling.config.SignalingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rooms this signaling instance serves and who is in them. A room exists while it has peers. Membership
 * changes are atomic per room ({@link ConcurrentHashMap#compute}), so two joins never both take the last place.
 */
@ApplicationScoped
public class RoomRegistry {

    private final Map<String, Map<String, Peer>> rooms = new ConcurrentHashMap<>();
    private final SignalingConfig config;

    RoomRegistry(SignalingConfig config) {
        this.config = config;
    }

    /** Outcome of a join: the peers already there, or why the peer could not join. */
    public sealed interface JoinResult {
        /** Joined; {@code others} were in the room before. */
        record Joined(List<Peer> others) implements JoinResult {
        }

        /** The room holds its maximum number of peers. */
        record RoomFull(int maxPeers) implements JoinResult {
        }
    }

    public JoinResult join(Peer peer) {
        int max = config.rooms().maxPeers();
        JoinResult[] result = new JoinResult[1];
        rooms.compute(peer.room(), (name, members) -> {
            Map<String, Peer> m = members == null ? new ConcurrentHashMap<>() : members;
            if (m.size() >= max) {
                result[0] = new JoinResult.RoomFull(max);
                return members;
            }
            result[0] = new JoinResult.Joined(List.copyOf(m.values()));
            m.put(peer.peerId(), peer);
            return m;
        });
        return result[0];
    }

    /** Removes a peer; returns the peers left in its room. */
    public List<Peer> leave(Peer peer) {
        List<Peer>[] left = new List[] {List.of()};
        rooms.computeIfPresent(peer.room(), (name, members) -> {
            members.remove(peer.peerId());
            left[0] = List.copyOf(members.values());
            return members.isEmpty() ? null : members;
        });
        return left[0];
    }

    public Optional<Peer> find(String room, String peerId) {
        Map<String, Peer> members = rooms.get(room);
        return members == null ? Optional.empty() : Optional.ofNullable(members.get(peerId));
    }

    /** Number of rooms with at least one peer. */
    public int roomCount() {
        return rooms.size();
    }

    /** Number of peers in all rooms. */
    public int peerCount() {
        return rooms.values().stream().mapToInt(Map::size).sum();
    }
}
