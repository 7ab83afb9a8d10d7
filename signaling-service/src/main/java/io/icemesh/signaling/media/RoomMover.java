package io.icemesh.signaling.media;

import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
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
 * slow under load is not: an answer that comes after its ping's timeout starts the node's misses afresh. A ping only
 * counts against a node when another node answered the ping of the same round in time: when the broker, this
 * instance or the whole machine stalls, every node misses the same rounds, and the recovery (some nodes' answers back
 * a moment before others') is not taken for one node's silence. A client's report that its SFU connection stopped
 * carrying media ({@code sfu-stalled}) shortens that to about a second: the node is then gone once two pings, the
 * oldest {@link #STALL_CONFIRM_MS} old, went unanswered in rounds another node answered ({@link #stalledAndSilent}).
 * Every instance then gives its own sessions of the room an endpoint on the new node and tells the clients to connect
 * again ({@code sfu-moved}). A node this instance never heard of is left alone (it may simply not have read the
 * announcements yet).
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
    /**
     * A client's report that its SFU connection stopped carrying media ({@code sfu-stalled}) counts for this long: the
     * leader then takes a node for gone once it has left {@link #STALL_PINGS} pings in a row unanswered for
     * {@link #STALL_CONFIRM_MS}, instead of {@link #PING_MISSES} full timeouts.
     */
    public static final long STALL_WINDOW_MS = 3_000;
    /** How long the oldest of the pings a stalled node left unanswered must have waited. */
    static final long STALL_CONFIRM_MS = 600;
    /** Unanswered pings in a row a stalled node must have left (sent at least a ping interval apart). */
    static final int STALL_PINGS = 2;
    /** A stall report written longer ago than this is stale (read again after a restart of this instance). */
    static final long STALL_REPORT_MAX_AGE_MS = 5_000;
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
    /**
     * Per node, the rounds it answered in time (the latest {@link #SENT_KEPT}): when each ping was sent and when its
     * answer came.
     */
    private final Map<String, java.util.ArrayDeque<long[]>> answeredRounds = new ConcurrentHashMap<>();
    /**
     * A round another node answered counts against a stalled node only once that answer is this old: after a stall of
     * the whole mesh, answers to the same rounds come back a moment apart.
     */
    static final long STALL_ANSWER_GRACE_MS = PING_INTERVAL_MS;
    /** Per node with misses in a row, when the first of them was sent. */
    private final Map<String, Long> firstMissSentAt = new ConcurrentHashMap<>();
    /** Per node, when the pings of this term were sent (the latest {@link #SENT_KEPT}), oldest first. */
    private final Map<String, java.util.ArrayDeque<Long>> pingsSent = new ConcurrentHashMap<>();
    private static final int SENT_KEPT = 16;
    /** Per node, when a client last reported that its connection to it stopped carrying media (local clock). */
    private final Map<String, Long> stallReportedAt = new ConcurrentHashMap<>();
    /** Leadership terms of this instance: a ping sent in an earlier one counts for nothing. */
    private final java.util.concurrent.atomic.AtomicInteger term = new java.util.concurrent.atomic.AtomicInteger();
    private long lastPing;
    private volatile ScheduledExecutorService timer;
    private volatile long leaderSince;

    RoomMover(RoomLog log, MediaNodes nodes, MediaGateway gateway) {
        this.log = log;
        this.nodes = nodes;
        this.gateway = gateway;
        gateway.onLatePong(this::answeredLate);
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
                        answeredRounds.clear();
                        pingsSent.clear();
                        stallReportedAt.clear();
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
            for (String node : stallReportedAt.keySet()) {
                judgeStalled(node, now);
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
     * read PING is left to the silence rule), each miss counted was of a round another node answered in time (Kafka,
     * this instance and the machine were fine then; a round nobody answered neither counts nor resets), and the
     * node is not busy with commands this instance sent it in the last {@link #BUSY_MS} ({@link MediaGateway#busy}:
     * a node working through a burst of allocations or renegotiations is slow, not gone).
     */
    private void ping(Set<String> live) {
        misses.keySet().retainAll(live);
        firstMissSentAt.keySet().retainAll(live);
        answeredSentAt.keySet().retainAll(live);
        answeredRounds.keySet().retainAll(live);
        int myTerm = term.get();
        long sentAt = System.currentTimeMillis();
        synchronized (this) {
            pingsSent.keySet().retainAll(live);
            for (String node : live) {
                java.util.ArrayDeque<Long> sent = pingsSent.computeIfAbsent(node, n -> new java.util.ArrayDeque<>());
                sent.addLast(sentAt);
                if (sent.size() > SENT_KEPT) {
                    sent.removeFirst();
                }
            }
        }
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
            java.util.ArrayDeque<long[]> rounds = answeredRounds.computeIfAbsent(node,
                    n -> new java.util.ArrayDeque<>());
            rounds.addLast(new long[] {sentAt, System.currentTimeMillis()});
            if (rounds.size() > SENT_KEPT) {
                rounds.removeFirst();
            }
            return;
        }
        Long answeredUpTo = answeredSentAt.get(node);
        if (answeredUpTo == null || answeredUpTo >= sentAt || !answeredByOthers(node).containsKey(sentAt)) {
            // Never answered a ping; or answered this one or a later one already (its late answer overtook this
            // timeout: pings and answers of a node keep their order on one partition each way); or no other node
            // answered this round in time.
            return;
        }
        long firstMiss = firstMissSentAt.merge(node, sentAt, Math::min);
        int missed = misses.merge(node, 1, Integer::sum);
        if (missed >= PING_MISSES && !gateway.busy(node, BUSY_MS, firstMiss) && log.isLeader()) {
            LOG.warnf("media node %s left %d pings in a row unanswered (%d ms each) while others answer: moving its"
                    + " rooms", node, missed, PING_TIMEOUT_MS);
            gone(node, System.currentTimeMillis(), MediaNodes.UNRESPONSIVE);
        }
    }

    /**
     * A ping's answer came after its timeout: the node's command path works, slowly. Its misses start afresh, and for
     * a stall report it answered the ping sent at {@code sentAt}. A node that keeps answering late is slow, not gone:
     * on a loaded machine a ping reached a node with a room 1-2 s late while an idle node answered the same round in
     * time, and moving the room to another node of the same mesh only cut its media for a moment. A crashed or hung
     * node answers nothing, late or not, and is found as before.
     */
    private synchronized void answeredLate(String node, long sentAt) {
        long since = leaderSince;
        if (!log.isLeader() || since == 0 || sentAt < since) {
            return; // a ping of an earlier term, or this instance does not lead: its counts are not kept
        }
        if (misses.remove(node) != null) {
            LOG.debugf("media node %s answered a ping %d ms after it was sent: slow, not gone", node,
                    System.currentTimeMillis() - sentAt);
        }
        firstMissSentAt.remove(node);
        answeredSentAt.merge(node, sentAt, Math::max);
    }

    /**
     * The leader found {@code node} gone for {@code reason}: it takes no new rooms, what was counted about it is
     * dropped (a fresh start once it announces again), and its rooms move now, not on the next pass.
     */
    private void gone(String node, long now, String reason) {
        nodes.unresponsive(node, now, reason);
        misses.remove(node);
        firstMissSentAt.remove(node);
        answeredSentAt.remove(node);
        answeredRounds.remove(node);
        pingsSent.remove(node);
        stallReportedAt.remove(node);
        soon(this::pass);
    }

    /** Runs {@code task} on the mover's thread; nothing once it has stopped. */
    private void soon(Runnable task) {
        ScheduledExecutorService t = timer;
        if (t != null) {
            try {
                t.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    /**
     * A client of a room on {@code node} reports that its SFU connection stopped carrying media (written to the room
     * log by the instance holding its socket at {@code atMs}, read here by every instance). The leader judges the
     * node at once and on every pass while the report counts ({@link #STALL_WINDOW_MS}).
     */
    public void stalled(String node, long atMs) {
        long now = System.currentTimeMillis();
        if (node == null || now - atMs > STALL_REPORT_MAX_AGE_MS || !log.isLeader()) {
            return;
        }
        stallReportedAt.put(node, now);
        soon(() -> judgeStalled(node, System.currentTimeMillis()));
    }

    /** Whether a client's stall report about {@code node} still counts ({@link #STALL_WINDOW_MS}) on this leader. */
    public boolean stallReported(String node) {
        Long at = stallReportedAt.get(node);
        return at != null && System.currentTimeMillis() - at <= STALL_WINDOW_MS;
    }

    /**
     * A node a client reported stalled is taken for gone when {@link #stalledAndSilent} holds: a client's view and
     * the leader's pings agree, which a machine that is merely slow rarely makes them do at once.
     */
    private synchronized void judgeStalled(String node, long now) {
        Long reported = stallReportedAt.get(node);
        if (reported == null) {
            return;
        }
        if (now - reported > STALL_WINDOW_MS) {
            stallReportedAt.remove(node);
            return;
        }
        Long answered = answeredSentAt.get(node);
        java.util.ArrayDeque<Long> sent = pingsSent.get(node);
        if (answered == null || sent == null || !log.isLeader()) {
            return;
        }
        long firstUnanswered = stalledAndSilent(now, answered, List.copyOf(sent), answeredByOthers(node));
        if (firstUnanswered < 0 || gateway.busy(node, BUSY_MS, firstUnanswered)) {
            return;
        }
        LOG.warnf("media node %s: a client reports its media stopped, and the node left every ping unanswered for %d"
                + " ms while others answer: moving its rooms", node, now - firstUnanswered);
        gone(node, now, MediaNodes.STALLED);
    }

    /**
     * The rounds a node other than {@code node} answered in time: when their pings were sent, to when the first such
     * answer came.
     */
    private Map<Long, Long> answeredByOthers(String node) {
        Map<Long, Long> rounds = new java.util.HashMap<>();
        for (Map.Entry<String, java.util.ArrayDeque<long[]>> e : answeredRounds.entrySet()) {
            if (!e.getKey().equals(node)) {
                for (long[] round : e.getValue()) {
                    rounds.merge(round[0], round[1], Math::min);
                }
            }
        }
        return rounds;
    }

    /**
     * The rule for a node a client reported stalled: at least {@link #STALL_PINGS} pings were sent to it after the
     * latest one it answered ({@code answered}, when that one was sent) in rounds another node answered in time, at
     * least {@link #STALL_ANSWER_GRACE_MS} before {@code now} ({@code othersAnswered}, round to when that answer came:
     * Kafka, this instance and the machine were working then, and this node had as long to answer), the oldest of
     * those {@link #STALL_CONFIRM_MS} or more before {@code now}. Rounds nobody answered say nothing of the node.
     * Returns when the oldest such ping was sent, or -1 when the rule does not hold. {@code sent}: when pings to the
     * node were sent, oldest first.
     */
    static long stalledAndSilent(long now, long answered, List<Long> sent, Map<Long, Long> othersAnswered) {
        long first = -1;
        int unanswered = 0;
        for (long at : sent) {
            Long otherAnsweredAt = othersAnswered.get(at);
            if (at > answered && otherAnsweredAt != null && now - otherAnsweredAt >= STALL_ANSWER_GRACE_MS) {
                if (first < 0) {
                    first = at;
                }
                unanswered++;
            }
        }
        if (unanswered < STALL_PINGS || now - first < STALL_CONFIRM_MS) {
            return -1;
        }
        return first;
    }
}
