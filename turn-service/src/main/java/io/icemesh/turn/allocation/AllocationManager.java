package io.icemesh.turn.allocation;

import io.icemesh.stun.TurnRestCredential;
import io.icemesh.turn.policy.KeyedQuota;
import io.icemesh.turn.policy.SourcePrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds the allocations by 5-tuple, enforces the per-user, per-source and total quotas (RFC 8656 Section 7.2: 486
 * Allocation Quota Reached), expires allocations, permissions and channels, and refuses new allocations while
 * draining. A quota slot is reserved before the relay port is bound, so concurrent Allocates cannot overshoot.
 *
 * <p>The per-user quota counts the user a username stands for, not the username string: TURN REST usernames
 * ({@code expiry:sessionId}) count against their session id, so fresh credentials minted for one session (each with a
 * new expiry) share one quota. The per-source quota counts the client's IP address (an IPv6 client's /64),
 * whatever the user.
 */
public final class AllocationManager {

    /** Whether a new allocation may be made. */
    public enum Admission { OK, USER_QUOTA, SOURCE_QUOTA, TOTAL_QUOTA, DRAINING }

    /** Why an allocation ended. */
    public enum EndReason {
        EXPIRED, DELETED, SHUTDOWN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Told when an allocation ends (events, metrics). */
    @FunctionalInterface
    public interface EndListener {
        void ended(Allocation allocation, EndReason reason);
    }

    private final int maxTotal;
    private final ConcurrentHashMap<FiveTuple, Allocation> byFiveTuple = new ConcurrentHashMap<>();
    private final KeyedQuota<String> perUser;
    private final KeyedQuota<InetAddress> perSource;
    private final AtomicInteger reserved = new AtomicInteger();
    private final Object emptyMonitor = new Object();
    private volatile boolean draining;
    private volatile EndListener endListener = (a, r) -> { };

    public AllocationManager(int maxPerUser, int maxPerSource, int maxTotal) {
        this.perUser = new KeyedQuota<>(maxPerUser);
        this.perSource = new KeyedQuota<>(maxPerSource);
        this.maxTotal = maxTotal;
    }

    /**
     * The key a username's allocations are counted under: the user part of a TURN REST username
     * ({@code expiry:user}), else the whole username (a static user, or a REST username without a user part).
     */
    public static String quotaKey(String username) {
        int colon = username.indexOf(':');
        if (colon > 0 && colon < username.length() - 1 && TurnRestCredential.expiryOf(username) >= 0) {
            return "rest:" + username.substring(colon + 1);
        }
        return "user:" + username;
    }

    public void onEnd(EndListener listener) {
        this.endListener = listener;
    }

    /**
     * Reserves a quota slot for a user at a source address; the caller must {@link #release} it if the allocation is
     * not made.
     */
    public Admission reserve(String username, InetAddress source) {
        if (draining) {
            return Admission.DRAINING;
        }
        if (reserved.incrementAndGet() > maxTotal) {
            reserved.decrementAndGet();
            return Admission.TOTAL_QUOTA;
        }
        InetAddress sourceKey = SourcePrefix.of(source);
        if (!perSource.take(sourceKey)) {
            reserved.decrementAndGet();
            return Admission.SOURCE_QUOTA;
        }
        if (!perUser.take(quotaKey(username))) {
            perSource.give(sourceKey);
            reserved.decrementAndGet();
            return Admission.USER_QUOTA;
        }
        return Admission.OK;
    }

    /** Gives a reserved slot back. */
    public void release(String username, InetAddress source) {
        perUser.give(quotaKey(username));
        perSource.give(SourcePrefix.of(source));
        if (reserved.decrementAndGet() == 0) {
            synchronized (emptyMonitor) {
                emptyMonitor.notifyAll();
            }
        }
    }

    /** Adds an allocation unless its 5-tuple has one; returns the existing allocation or null. */
    public Allocation putIfAbsent(Allocation allocation) {
        return byFiveTuple.putIfAbsent(allocation.fiveTuple(), allocation);
    }

    /** The allocation of a 5-tuple, or null (relay path: one map lookup). */
    public Allocation get(FiveTuple fiveTuple) {
        return byFiveTuple.get(fiveTuple);
    }

    /**
     * Removes an allocation, closes its relay and releases its quota slot.
     *
     * @return false when it was already gone
     */
    public boolean remove(Allocation allocation, EndReason reason) {
        if (!byFiveTuple.remove(allocation.fiveTuple(), allocation)) {
            return false;
        }
        RelayEndpoint relay = allocation.relay();
        if (relay != null) {
            relay.close();
        }
        release(allocation.username(), allocation.fiveTuple().client().getAddress());
        endListener.ended(allocation, reason);
        return true;
    }

    /** Removes an allocation that never got its relay socket (no end event: it was never created). */
    public void abandon(Allocation allocation) {
        if (byFiveTuple.remove(allocation.fiveTuple(), allocation)) {
            release(allocation.username(), allocation.fiveTuple().client().getAddress());
        }
    }

    /**
     * Expires allocations past their lifetime and drops stale permissions and channel bindings.
     *
     * @return the allocations that expired
     */
    public List<Allocation> sweep(long nowNanos) {
        List<Allocation> expired = new ArrayList<>();
        for (Allocation a : byFiveTuple.values()) {
            if (a.isExpired(nowNanos)) {
                if (remove(a, EndReason.EXPIRED)) {
                    expired.add(a);
                }
            } else {
                a.expireStale(nowNanos);
            }
        }
        return expired;
    }

    /** Ends every allocation (shutdown after the drain grace time). */
    public void closeAll() {
        for (Allocation a : byFiveTuple.values()) {
            remove(a, EndReason.SHUTDOWN);
        }
    }

    /** Refuse new allocations from now on; existing ones live on. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Waits until no allocation (or reservation) is left, at most {@code timeoutMillis}; true when empty. */
    public boolean awaitEmpty(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (emptyMonitor) {
            while (reserved.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(emptyMonitor, left);
            }
        }
        return true;
    }

    /** Allocations live now. */
    public int active() {
        return byFiveTuple.size();
    }

    /** Quota slots in use (live allocations and those being set up). */
    public int reservedSlots() {
        return reserved.get();
    }

    public int capacity() {
        return maxTotal;
    }

    public Collection<Allocation> all() {
        return byFiveTuple.values();
    }
}
