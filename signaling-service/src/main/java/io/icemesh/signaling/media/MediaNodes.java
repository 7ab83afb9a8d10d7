package io.icemesh.signaling.media;

import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The media-service nodes signaling may place SFU rooms on, and where each room lives. A room stays on its node
 * while that node is announced; a new room goes to the live node with spare capacity that ranks highest for the
 * room's name (rendezvous hashing), so every signaling instance with the same view of the nodes picks the same node.
 */
@ApplicationScoped
public class MediaNodes {

    /** A node that has not re-announced itself for this long is presumed gone. */
    static final Duration NODE_EXPIRY = Duration.ofSeconds(30);

    private final Map<String, NodeAnnouncement> nodes = new ConcurrentHashMap<>();
    private final Map<String, String> roomToNode = new ConcurrentHashMap<>();

    public void onNode(String nodeId, NodeAnnouncement announcement) {
        if (announcement == null) {
            nodes.remove(nodeId);
        } else if (announcement.kind() == NodeKind.MEDIA) {
            nodes.put(announcement.nodeId(), announcement);
        }
    }

    /** The node serving the room, placing it if it has none or its node is gone; empty when no node can take it. */
    public Optional<String> place(String room) {
        long now = System.currentTimeMillis();
        String node = roomToNode.compute(room, (r, current) -> {
            if (current != null && live(nodes.get(current), now)) {
                return current;
            }
            String best = null;
            long bestScore = Long.MIN_VALUE;
            for (NodeAnnouncement n : nodes.values()) {
                if (!live(n, now) || n.draining() || n.load() >= n.capacity()) {
                    continue;
                }
                long score = score(r, n.nodeId());
                if (score > bestScore) {
                    bestScore = score;
                    best = n.nodeId();
                }
            }
            return best;
        });
        return Optional.ofNullable(node);
    }

    /** Forgets a room's placement once its last peer left. */
    public void release(String room) {
        roomToNode.remove(room);
    }

    private static boolean live(NodeAnnouncement n, long now) {
        return n != null && n.timestampMs() + NODE_EXPIRY.toMillis() > now;
    }

    private static long score(String room, String node) {
        CRC32C crc = new CRC32C();
        crc.update((room + "\u0000" + node).getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
