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
 * The media-service nodes signaling may place SFU rooms on. Where each room lives is room state, in the room log; a
 * room stays on its node while that node is announced; a new room goes to the least loaded live node with spare
 * capacity: load is the SFU sessions the room log places on the node (every instance holds every room, so a room
 * placed a moment ago counts at once, on every instance), relative to the capacity the node announces. Nodes equally
 * loaded are ranked for the room's name (rendezvous hashing), so instances with the same view propose the same node;
 * the room log keeps the first proposal it applies.
 */
@ApplicationScoped
public class MediaNodes {

    /** A node that has not re-announced itself for this long takes no new room. */
    static final Duration NODE_EXPIRY = Duration.ofSeconds(30);

    /**
     * A node silent for this long is taken for gone and its rooms move (media-service announces every 2 s: five
     * missed announcements; shorter, a loaded machine's late announcements moved healthy rooms in tests).
     */
    static final Duration GONE_AFTER = Duration.ofSeconds(10);

    private final Map<String, NodeAnnouncement> nodes = new ConcurrentHashMap<>();
    /** Nodes that stopped answering pings, with when that was found (epoch ms); a later announcement clears it. */
    private final Map<String, Long> unresponsive = new ConcurrentHashMap<>();
    /** Why each node in {@link #unresponsive} was found so: {@link #UNRESPONSIVE} or {@link #STALLED}. */
    private final Map<String, String> unresponsiveReason = new ConcurrentHashMap<>();

    public void onNode(String nodeId, NodeAnnouncement announcement) {
        if (announcement == null) {
            // A tombstone: the node is gone for good. It stays known as gone, so that rooms still on it move.
            nodes.computeIfPresent(nodeId, (id, n) -> new NodeAnnouncement(n.schemaVersion(), n.nodeId(), n.kind(),
                    n.publicAddress(), n.iceUrls(), n.capacity(), n.load(), true, 0));
        } else if (announcement.kind() == NodeKind.MEDIA) {
            nodes.put(announcement.nodeId(), announcement);
            // Announced after it was found unresponsive: it is back (restarted, or the pause is over).
            unresponsive.computeIfPresent(announcement.nodeId(),
                    (id, since) -> announcement.timestampMs() > since ? null : since);
            if (!unresponsive.containsKey(announcement.nodeId())) {
                unresponsiveReason.remove(announcement.nodeId());
            }
        }
    }

    /**
     * The node did not answer {@link RoomMover#PING_MISSES} pings in a row: its rooms move and it takes no new room
     * until it announces itself again.
     */
    public void unresponsive(String node, long nowMs) {
        unresponsive(node, nowMs, UNRESPONSIVE);
    }

    /**
     * As {@link #unresponsive(String, long)}, found by {@code reason}: {@link #UNRESPONSIVE} (pings alone) or
     * {@link #STALLED} (a client's stall report and pings).
     */
    public void unresponsive(String node, long nowMs, String reason) {
        if (unresponsive.putIfAbsent(node, nowMs) == null) {
            unresponsiveReason.put(node, reason);
        }
    }

    /** Where a new SFU peer's room should be: its node, or the node to place it on (replacing a gone one). */
    public record Proposal(String node, String replaces) {
    }

    /**
     * The node a join should propose for an SFU room that the room log places on {@code current} (null: none yet).
     * A live current node stays; otherwise the live, non-draining node with spare capacity that ranks highest for
     * the room (rendezvous hashing), replacing the current one. Empty when no node can take the room. The room log
     * takes the first proposal it applies, so every instance ends with the same node for the room.
     */
    public Optional<Proposal> propose(String room, String current, Map<String, Integer> placed) {
        long now = System.currentTimeMillis();
        if (current != null && live(nodes.get(current), now) && !unresponsive.containsKey(current)) {
            return Optional.of(new Proposal(current, null));
        }
        return best(room, null, placed, now).map(node -> new Proposal(node, current));
    }

    /** Reasons rooms leave a node. */
    public static final String DRAINING = "node-draining";
    public static final String GONE = "node-gone";
    public static final String UNRESPONSIVE = "node-unresponsive";
    public static final String STALLED = "node-stalled";

    /** Media nodes to ping: announced within {@link #NODE_EXPIRY}, not draining, not already found unresponsive. */
    public java.util.Set<String> pingable(long now) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (NodeAnnouncement n : nodes.values()) {
            if (live(n, now) && !n.draining() && !unresponsive.containsKey(n.nodeId())) {
                out.add(n.nodeId());
            }
        }
        return out;
    }

    /** A move of a room off {@code from} to {@code to} for {@code reason}, in plain words (monitor's timeline). */
    public static String moveInPlainWords(String from, String to, String reason) {
        String why = switch (reason) {
            case DRAINING -> "media node " + from + " is draining (shutting down)";
            case GONE -> "media node " + from + " went silent (no announcement for " + GONE_AFTER.toSeconds()
                    + " s: it crashed or was cut off)";
            case UNRESPONSIVE -> "media node " + from + " stopped answering (" + RoomMover.PING_MISSES
                    + " pings over Kafka unanswered for " + RoomMover.PING_TIMEOUT_MS + " ms each: it crashed or hangs)";
            case STALLED -> "media node " + from + " stopped sending media and answering (a client's media stopped,"
                    + " and pings over Kafka went unanswered for " + RoomMover.STALL_CONFIRM_MS + " ms or more: it"
                    + " crashed or hangs)";
            default -> "media node " + from + " gave way (" + reason + ")";
        };
        return why + ": the room moved to " + to;
    }

    /** Why rooms must leave a node: {@link #DRAINING}, {@link #GONE}, {@link #UNRESPONSIVE} or {@link #STALLED}. */
    public record Leaving(String reason) {
    }

    /**
     * Whether rooms on {@code node} must move, and why: the node announces that it drains, or its announcements
     * stopped for {@link #GONE_AFTER}, or it stopped answering pings. Null when it serves, or when this instance
     * never heard of it.
     */
    public Leaving leaving(String node) {
        NodeAnnouncement n = nodes.get(node);
        if (n == null) {
            return null;
        }
        if (unresponsive.containsKey(node)) {
            return new Leaving(unresponsiveReason.getOrDefault(node, UNRESPONSIVE));
        }
        if (n.timestampMs() + GONE_AFTER.toMillis() <= System.currentTimeMillis()) {
            return new Leaving(GONE);
        }
        return n.draining() ? new Leaving(DRAINING) : null;
    }

    /** The node to move a room on {@code from} to: the least loaded other live node with spare capacity. */
    public Optional<String> moveTarget(String room, String from, Map<String, Integer> placed) {
        return best(room, from, placed, System.currentTimeMillis());
    }

    private Optional<String> best(String room, String exclude, Map<String, Integer> placed, long now) {
        String best = null;
        double bestLoad = Double.MAX_VALUE;
        long bestScore = Long.MIN_VALUE;
        for (NodeAnnouncement n : nodes.values()) {
            if (n.nodeId().equals(exclude)) {
                continue;
            }
            // The node's own count may be ahead of the log (endpoints of rooms being torn down), or behind it (rooms
            // placed since its last announcement): the larger one is what it holds.
            int load = Math.max(n.load(), placed.getOrDefault(n.nodeId(), 0));
            if (!live(n, now) || unresponsive.containsKey(n.nodeId()) || n.draining() || n.capacity() <= 0
                    || load >= n.capacity()) {
                continue;
            }
            double relative = (double) load / n.capacity();
            long score = score(room, n.nodeId());
            if (relative < bestLoad || (relative == bestLoad && score > bestScore)) {
                bestLoad = relative;
                bestScore = score;
                best = n.nodeId();
            }
        }
        return Optional.ofNullable(best);
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
