package io.icemesh.signaling.media;

import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Moves SFU rooms off a media node that drains, is gone or stops answering. Four times a second the leader instance
 * (see {@link RoomLog#isLeader()}) looks at the rooms each node holds; for a node that announces draining, whose
 * announcements stopped ({@link MediaNodes#GONE_AFTER}), or that left {@link #PING_MISSES} pings in a row unanswered,
 * it writes a {@code move-room} record per room, to the least loaded other node. The leader pings every live node
 * every {@link #PING_INTERVAL_MS} over the command topic (a PING that the node answers with PONG as soon as it reads
 * it): a crashed node is found in about two seconds instead of the ten its silence takes, and a node that is only
 * slow under load is not. Every instance then gives its own sessions of the room an endpoint on the new node and tells
 * the clients to connect again ({@code sfu-moved}). A node this instance never heard of is left alone (it may simply
 * not have read the announcements yet).
 */
@ApplicationScoped
public class RoomMover {

    private static final Logger LOG = Logger.getLogger(RoomMover.class);
    /** A move written but not applied yet is written again after this long (the record may have been lost). */
    static final long RETRY_MS = 10_000;
    /** How often the leader pings each live node (pings overlap: a new one goes out while older ones wait). */
    static final long PING_INTERVAL_MS = 250;
    /**
     * A ping unanswered for this long is a miss. A Kafka round trip takes milliseconds on a quiet mesh, but with three
     * Chromium pages on a 2-core machine (load 9-14) a ping reached a healthy node 25 ms after it was sent at the
     * median, 187 ms at the 90th percentile, 1.25 s at the 99th and 3 s at worst.
     */
    static final long PING_TIMEOUT_MS = 1_000;
    /**
     * Misses in a row that make a node unresponsive: with pings every quarter second, the node was silent for at
     * least three quarters of a second plus one timeout. Two or three misses of 0.8 s each moved healthy nodes while
     * three Chromium pages joined them on a loaded 2-core machine.
     */
    static final int PING_MISSES = 4;
    /** A node the leader sent a command within this long is busy, not gone (see {@link MediaGateway#busy}). */
    static final long BUSY_MS = 2 * PING_TIMEOUT_MS;
    /** The leader pings only after this long as leader: the broker may just have come back. */
    static final long PING_AFTER_LEADING_MS = 2_000;
    private static final long PASS_MS = 250;

    private final RoomLog log;
    private final MediaNodes nodes;
    private final MediaGateway gateway;
    private final Map<String, Long> written = new ConcurrentHashMap<>();
    private final Map<String, Integer> misses = new ConcurrentHashMap<>();
    /** Rooms that must leave a node but had nowhere to go, warned about once. */
    private final Set<String> stuck = ConcurrentHashMap.newKeySet();
    /** Per node, when the latest ping it answered was sent (epoch ms). */
    private final Map<String, Long> answeredSentAt = new ConcurrentHashMap<>();
    /** Per node with misses in a row, when the first of them was sent. */
    private final Map<String, Long> firstMissSentAt = new ConcurrentHashMap<>();
    /** Leadership terms of this instance: a ping sent in an earlier one counts for nothing. */
    private final java.util.concurrent.atomic.AtomicInteger term = new java.util.concurrent.atomic.AtomicInteger();
    private long lastPing;
    private volatile ScheduledExecutorService timer;
    private long leaderSince;

    RoomMover(RoomLog log, MediaNodes nodes, MediaGateway gateway) {
        this.log = log;
        this.nodes = nodes;
        this.gateway = gateway;
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "room-mover");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::pass, PASS_MS, PASS_MS, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** One look at every room's node; writes the moves the leader owes. */
    void pass() {
        try {
            long now = System.currentTimeMillis();
            if (!log.isLeader()) {
                if (leaderSince != 0) {
                    // Misses counted as leader say nothing once another instance leads: start afresh next time (under
                    // the lock pinged() holds, so no late answer of the old term lands in the new one).
                    synchronized (this) {
                        term.incrementAndGet();
                        misses.clear();
                        firstMissSentAt.clear();
                        answeredSentAt.clear();
                    }
                }
                leaderSince = 0;
                return;
            }
            if (leaderSince == 0) {
                leaderSince = now;
            }
            // Just became the leader (start-up, or the broker came back): announcements may be as old as the outage
            // and about to be renewed, so a node is judged gone only after one expiry of hearing the broker. A node
            // that announces draining is moved off at once.
            boolean judgeSilence = now - leaderSince > MediaNodes.GONE_AFTER.toMillis();
            if (now - leaderSince >= PING_AFTER_LEADING_MS && now - lastPing >= PING_INTERVAL_MS * 4 / 5) {
                lastPing = now;
                ping(nodes.pingable(now));
            }
            written.values().removeIf(at -> now - at > RETRY_MS);
            if (stuck.size() > 10_000) {
                stuck.clear();
            }
            Map<String, Integer> placed = log.state().sessionsByNode();
            for (Map.Entry<String, Set<String>> e : log.state().roomsByNode().entrySet()) {
                String node = e.getKey();
                MediaNodes.Leaving leaving = nodes.leaving(node);
                if (leaving == null || (!judgeSilence && leaving.reason().equals(MediaNodes.GONE))) {
                    continue;
                }
                for (String room : e.getValue()) {
                    if (written.putIfAbsent(room + "\u0000" + node, now) != null) {
                        continue;
                    }
                    String target = nodes.moveTarget(room, node, placed).orElse(null);
                    if (target == null) {
                        // Looked at again on the next pass: a node may be about to announce itself (just restarted).
                        written.remove(room + "\u0000" + node);
                        if (stuck.add(room + "\u0000" + node)) {
                            LOG.warnf("room %s must leave media node %s (%s) but no other node can take it yet", room,
                                    node, leaving.reason());
                        }
                        continue;
                    }
                    stuck.remove(room + "\u0000" + node);
                    LOG.infof("moving room %s from media node %s (%s) to %s", room, node, leaving.reason(), target);
                    log.submit(new RoomCommand.MoveRoom(room, log.instanceId(), node, target, leaving.reason()));
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "room mover pass failed; it runs again in a moment");
        }
    }

    /**
     * Pings each live node, every pass: pings overlap, so a node that stops answering has its second miss a ping
     * interval after its first instead of a whole timeout later. A node becomes unresponsive after
     * {@link #PING_MISSES} misses in a row only when it answered a ping before (an older media-service that cannot
     * read PING is left to the silence rule), another node answered a ping sent no earlier than this node's first
     * miss (Kafka, this instance and the machine were fine while this node was silent), and the node is not busy
     * with commands this instance sent it in the last {@link #BUSY_MS} ({@link MediaGateway#busy}:
     * a node working through a burst of allocations or renegotiations is slow, not gone).
     */
    private void ping(Set<String> live) {
        misses.keySet().retainAll(live);
        firstMissSentAt.keySet().retainAll(live);
        answeredSentAt.keySet().retainAll(live);
        int myTerm = term.get();
        long sentAt = System.currentTimeMillis();
        for (String node : live) {
            try {
                gateway.request(MediaCommandType.PING, node, "ping:" + node, "ping", null, PING_TIMEOUT_MS)
                        .whenComplete((pong, failure) -> pinged(node, sentAt, failure == null, myTerm));
            } catch (RuntimeException e) {
                LOG.debugf("ping to media node %s not sent: %s", node, e.getMessage());
            }
        }
    }

    private synchronized void pinged(String node, long sentAt, boolean answered, int myTerm) {
        if (myTerm != term.get()) {
            return;
        }
        if (answered) {
            misses.remove(node);
            firstMissSentAt.remove(node);
            answeredSentAt.merge(node, sentAt, Math::max);
            return;
        }
        if (!answeredSentAt.containsKey(node)) {
            return;
        }
        long firstMiss = firstMissSentAt.merge(node, sentAt, Math::min);
        int missed = misses.merge(node, 1, Integer::sum);
        boolean othersAnswer = answeredSentAt.entrySet().stream()
                .anyMatch(e -> !e.getKey().equals(node) && e.getValue() >= firstMiss);
        if (missed >= PING_MISSES && othersAnswer && !gateway.busy(node, BUSY_MS, firstMiss)
                && log.isLeader()) {
            LOG.warnf("media node %s left %d pings in a row unanswered (%d ms each) while others answer: moving its"
                    + " rooms", node, missed, PING_TIMEOUT_MS);
            nodes.unresponsive(node, System.currentTimeMillis());
            misses.remove(node);
            firstMissSentAt.remove(node);
            answeredSentAt.remove(node);
            // Its rooms move now, not on the next pass.
            ScheduledExecutorService t = timer;
            if (t != null) {
                t.execute(this::pass);
            }
        }
    }
}
