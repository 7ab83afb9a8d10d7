package io.icemesh.turn.policy;

import io.icemesh.stun.TokenBucket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits the answers the server gives to unauthenticated UDP requests (Binding, and the 401 challenge), so that
 * the server cannot be used to reflect traffic at a spoofed address beyond a small rate. Two buckets decide:
 * one per source IP and port, then one per source IP. A request over either is dropped without an answer.
 *
 * <p>The per-IP bucket bounds what any one address can be sent, whatever ports a spoofer uses. The per-port bucket
 * keeps one flooding socket from spending that budget for everyone behind the same address (a NAT, or the monitor's
 * probes on the flooder's host): the flooder's requests past its own small share are dropped before they touch
 * the per-IP bucket, so other clients' challenges still get answered. A flooder that rotates ports can still spend
 * the per-IP budget; clients that hold a nonce are answered anyway (authenticated requests are not limited here).
 *
 * <p>An IPv6 source counts by its /64 ({@link SourcePrefix}), so a spoofer rotating addresses within a victim's
 * prefix gets one budget, not one per address. The number of tracked sources is bounded: past it new source
 * addresses share one overflow bucket, and new source ports are not limited per port (only per address), so that an
 * attacker who fills the port table does not put every new client into one shared bucket. Idle buckets are evicted
 * by {@link #evictIdle(long)}.
 */
public final class UnauthenticatedRateLimiter {

    /** Sources (IP, and IP and port) tracked at most each; past it new sources share one overflow bucket. */
    public static final int MAX_TRACKED_SOURCES = 100_000;

    private final Limiter<InetAddress> perAddress;
    private final Limiter<InetSocketAddress> perPort;

    /**
     * @param ratePerSecond answers per second per source IP
     * @param burst burst per source IP
     * @param portRatePerSecond answers per second per source IP and port
     * @param portBurst burst per source IP and port
     */
    public UnauthenticatedRateLimiter(double ratePerSecond, double burst, double portRatePerSecond, double portBurst) {
        long now = System.nanoTime();
        this.perAddress = new Limiter<>(ratePerSecond, burst, now);
        this.perPort = new Limiter<>(portRatePerSecond, portBurst, now);
    }

    /** True when an answer to {@code source} may be sent now. */
    public boolean allow(InetSocketAddress source, long nowNanos) {
        return perPort.allow(source, nowNanos, true) && perAddress.allow(SourcePrefix.of(source.getAddress()), nowNanos,
                false);
    }

    /** Forgets sources idle for longer than it takes their bucket to refill. */
    public void evictIdle(long nowNanos) {
        perAddress.evictIdle(nowNanos);
        perPort.evictIdle(nowNanos);
    }

    /** One token bucket per key, bounded. */
    private static final class Limiter<K> {
        private final double ratePerSecond;
        private final double burst;
        private final ConcurrentHashMap<K, TokenBucket> buckets = new ConcurrentHashMap<>();
        private final TokenBucket overflow;

        Limiter(double ratePerSecond, double burst, long nowNanos) {
            this.ratePerSecond = ratePerSecond;
            this.burst = burst;
            this.overflow = new TokenBucket(ratePerSecond * 10, burst * 10, nowNanos);
        }

        /** @param passWhenFull whether a new key is let through (rather than into the overflow bucket) when full */
        boolean allow(K key, long nowNanos, boolean passWhenFull) {
            TokenBucket bucket = buckets.get(key);
            if (bucket == null) {
                if (buckets.size() >= MAX_TRACKED_SOURCES) {
                    if (passWhenFull) {
                        return true;
                    }
                    synchronized (overflow) {
                        return overflow.tryTake(1, nowNanos);
                    }
                }
                bucket = buckets.computeIfAbsent(key, s -> new TokenBucket(ratePerSecond, burst, nowNanos));
            }
            synchronized (bucket) {
                return bucket.tryTake(1, nowNanos);
            }
        }

        void evictIdle(long nowNanos) {
            long idleNanos = (long) (burst / ratePerSecond * 1_000_000_000L) + 1_000_000_000L;
            buckets.values().removeIf(b -> nowNanos - b.lastNanos() > idleNanos);
        }
    }
}
