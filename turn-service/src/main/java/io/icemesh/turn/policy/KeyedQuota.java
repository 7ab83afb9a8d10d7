package io.icemesh.turn.policy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count per key with a cap (allocations per user, per source address; connections per source address). A key
 * whose count falls to zero is forgotten, so the map holds only keys in use.
 *
 * @param <K> the key
 */
public final class KeyedQuota<K> {

    private final int max;
    private final ConcurrentHashMap<K, AtomicInteger> counts = new ConcurrentHashMap<>();

    public KeyedQuota(int max) {
        this.max = max;
    }

    /** Takes one for {@code key} unless it is at the cap; true when taken. */
    public boolean take(K key) {
        boolean[] taken = {false};
        counts.compute(key, (k, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            if (c.get() < max) {
                c.incrementAndGet();
                taken[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return taken[0];
    }

    /** Gives one back for {@code key}. */
    public void give(K key) {
        counts.computeIfPresent(key, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** Keys holding at least one now. */
    public int keys() {
        return counts.size();
    }
}
