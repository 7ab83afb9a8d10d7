package io.icemesh.turn.policy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits the answers the server gives to unauthenticated requests (Binding, and the 401 challenge) per source IP,
 * so that the server cannot be used to reflect traffic at a spoofed address beyond a small rate. Requests over the
 * rate are dropped without an answer. The number of tracked sources is bounded; idle ones are evicted by
 * {@link #evictIdle(long)}.
 */
public final class UnauthenticatedRateLimiter {

    /** Sources tracked at most; past it new sources share one overflow bucket. */
    public static final int MAX_TRACKED_SOURCES = 100_000;

    private final double ratePerSecond;
    private final double burst;
    private final ConcurrentHashMap<InetAddress, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final TokenBucket overflow;

    public UnauthenticatedRateLimiter(double ratePerSecond, double burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.overflow = new TokenBucket(ratePerSecond * 10, burst * 10, System.nanoTime());
    }

    /** True when an answer to {@code source} may be sent now. */
    public boolean allow(InetAddress source, long nowNanos) {
        TokenBucket bucket = buckets.get(source);
        if (bucket == null) {
            if (buckets.size() >= MAX_TRACKED_SOURCES) {
                synchronized (overflow) {
                    return overflow.tryTake(1, nowNanos);
                }
            }
            bucket = buckets.computeIfAbsent(source, s -> new TokenBucket(ratePerSecond, burst, nowNanos));
        }
        synchronized (bucket) {
            return bucket.tryTake(1, nowNanos);
        }
    }

    /** Forgets sources idle for longer than it takes their bucket to refill. */
    public void evictIdle(long nowNanos) {
        long idleNanos = (long) (burst / ratePerSecond * 1_000_000_000L) + 1_000_000_000L;
        buckets.values().removeIf(b -> nowNanos - b.lastNanos() > idleNanos);
    }

    public int trackedSources() {
        return buckets.size();
    }
}
