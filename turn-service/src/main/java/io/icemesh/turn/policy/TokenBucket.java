package io.icemesh.turn.policy;

/**
 * A token bucket: {@code rate} tokens per second up to {@code burst}. Not thread-safe by design: each bucket has
 * one writer (the event loop that owns the socket or allocation), so the forwarding path takes no lock.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    public TokenBucket(double ratePerSecond, double burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / NANOS_PER_SECOND;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code amount} tokens if there are that many; false (and nothing taken) otherwise. */
    public boolean tryTake(double amount, long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * ratePerNano);
            lastNanos = nowNanos;
        }
        if (tokens >= amount) {
            tokens -= amount;
            return true;
        }
        return false;
    }

    /** The last time the bucket was used. */
    public long lastNanos() {
        return lastNanos;
    }
}
