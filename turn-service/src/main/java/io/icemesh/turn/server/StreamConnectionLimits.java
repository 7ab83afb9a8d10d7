package io.icemesh.turn.server;

import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.turn.policy.KeyedQuota;
import io.icemesh.turn.policy.SourcePrefix;
import java.net.InetAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps TCP and TLS client connections per source IP and in all, so that connections nobody authenticates cannot
 * take the file descriptors that UDP relays, honest TCP clients and the admin port need. At the global cap a new
 * connection evicts the oldest one that is not settled (holds no allocation and is no bound data connection: those
 * are closed within the auth timeout anyway); when every connection is settled the new one is refused. Over the per-source cap it is refused at once.
 *
 * <p>Each connection holds one slot from {@link #admit} until {@link #release}, which may be called more than once.
 * Unsettled connections wait in a queue in arrival order; connections that settled or closed are removed
 * from it lazily (when met at its head, and by {@link #purge()}).
 */
final class StreamConnectionLimits {

    private final int maxTotal;
    private final TurnMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final KeyedQuota<InetAddress> perSource;
    private final Queue<StreamClientConnection> unsettled = new ConcurrentLinkedQueue<>();

    StreamConnectionLimits(int maxTotal, int maxPerSource, TurnMetrics metrics) {
        this.maxTotal = maxTotal;
        this.perSource = new KeyedQuota<>(maxPerSource);
        this.metrics = metrics;
    }

    /** Takes a slot for a new connection; false (and counted) when it must be closed. */
    boolean admit(StreamClientConnection connection) {
        InetAddress source = SourcePrefix.of(connection.fiveTuple().client().getAddress());
        if (!perSource.take(source)) {
            metrics.streamRefused(TurnMetrics.StreamRefusal.PER_SOURCE);
            return false;
        }
        while (open.incrementAndGet() > maxTotal) {
            open.decrementAndGet();
            StreamClientConnection victim = oldestUnsettled();
            if (victim == null) {
                perSource.give(source);
                metrics.streamRefused(TurnMetrics.StreamRefusal.GLOBAL);
                return false;
            }
            if (release(victim)) {
                metrics.streamClosed(TurnMetrics.StreamClose.EVICTED);
                victim.close();
            }
        }
        connection.holdSlot();
        unsettled.add(connection);
        return true;
    }

    /** Gives a connection's slot back; true the first time. */
    boolean release(StreamClientConnection connection) {
        if (!connection.releaseSlot()) {
            return false;
        }
        open.decrementAndGet();
        perSource.give(SourcePrefix.of(connection.fiveTuple().client().getAddress()));
        return true;
    }

    /** Drops connections that settled or closed from the eviction queue (called by the sweeper). */
    void purge() {
        unsettled.removeIf(c -> c.isSettled() || !c.holdsSlot());
    }

    /** Connections open now. */
    int open() {
        return open.get();
    }

    int maxTotal() {
        return maxTotal;
    }

    private StreamClientConnection oldestUnsettled() {
        StreamClientConnection c;
        while ((c = unsettled.poll()) != null) {
            if (!c.isSettled() && c.holdsSlot()) {
                return c;
            }
        }
        return null;
    }
}
