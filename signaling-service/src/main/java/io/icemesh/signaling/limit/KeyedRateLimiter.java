package io.icemesh.signaling.limit;

import io.icemesh.stun.TokenBucket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@link TokenBucket} per key (a session, a client address), bounded in memory. A bucket that has refilled
 * completely acts exactly like a new one, so it is dropped once it is idle that long; past {@code maxKeys} the least
 * recently used bucket is dropped too (that key starts over with a full burst, which only the busiest key set can
 * cause). Thread-safe: each call holds one lock for a few map operations.
 */
public final class KeyedRateLimiter {

    private final double burst;
    private final double perSecond;
    private final int maxKeys;
    /** Access order: the least recently used bucket comes first. */
    private final LinkedHashMap<String, TokenBucket> buckets = new LinkedHashMap<>(64, 0.75f, true);

    public KeyedRateLimiter(int burst, double perSecond, int maxKeys) {
        if (burst < 1 || perSecond <= 0 || maxKeys < 1) {
            throw new IllegalArgumentException("a keyed rate limit needs a burst of at least 1, a positive rate and"
                    + " room for a key, was " + burst + ", " + perSecond + "/s and " + maxKeys + " keys");
        }
        this.burst = burst;
        this.perSecond = perSecond;
        this.maxKeys = maxKeys;
    }

    /** Takes a token from {@code key}'s bucket; returns 0 if it had one, else nanoseconds until it will. */
    public long tryAcquire(String key, long nowNanos) {
        return tryAcquire(key, nowNanos, 1);
    }

    /**
     * Takes {@code cost} tokens (capped at the burst, so a request can always be served once the bucket is full)
     * from {@code key}'s bucket; returns 0 if it had them, else nanoseconds until it will.
     */
    public long tryAcquire(String key, long nowNanos, double cost) {
        double take = Math.min(cost, burst);
        synchronized (buckets) {
            TokenBucket bucket = buckets.get(key);
            if (bucket == null) {
                bucket = new TokenBucket(perSecond, burst, nowNanos);
                buckets.put(key, bucket);
            }
            long wait = bucket.tryTake(take, nowNanos) ? 0 : Math.max(1, bucket.nanosUntilAvailable(take, nowNanos));
            forgetIdle(nowNanos);
            return wait;
        }
    }

    /** Gives back the token a request took from {@code key}'s bucket before another limit refused it. */
    public void refund(String key) {
        refund(key, 1);
    }

    /** Gives back the {@code cost} tokens a request took (as capped by {@link #tryAcquire(String, long, double)}). */
    public void refund(String key, double cost) {
        synchronized (buckets) {
            TokenBucket bucket = buckets.get(key);
            if (bucket != null) {
                bucket.refund(Math.min(cost, burst));
            }
        }
    }

    /** Keys tracked now. */
    public int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    /** Drops full buckets from the least recently used end, and the least recently used ones past the bound. */
    private void forgetIdle(long nowNanos) {
        Iterator<Map.Entry<String, TokenBucket>> eldest = buckets.entrySet().iterator();
        while (eldest.hasNext()) {
            Map.Entry<String, TokenBucket> e = eldest.next();
            if (buckets.size() <= maxKeys && !e.getValue().isFull(nowNanos)) {
                return;
            }
            eldest.remove();
        }
    }
}
