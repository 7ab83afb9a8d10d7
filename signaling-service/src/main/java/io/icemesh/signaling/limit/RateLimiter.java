package io.icemesh.signaling.limit;

/**
 * A token bucket: it holds at most {@code burst} tokens, gains {@code perSecond} tokens a second, and each request
 * takes one. Times are {@link System#nanoTime()} values passed in, so that tests can drive the clock. Not
 * thread-safe.
 */
public final class RateLimiter {

    private static final double NANOS_PER_SECOND = 1e9;

    private final double burst;
    private final double perNano;
    private double tokens;
    private long lastNanos;

    /** A full bucket of {@code burst} tokens that refills at {@code perSecond}. */
    public RateLimiter(double burst, double perSecond, long nowNanos) {
        if (burst < 1 || perSecond <= 0) {
            throw new IllegalArgumentException("a rate limit needs a burst of at least 1 and a positive rate, was "
                    + burst + " and " + perSecond + "/s");
        }
        this.burst = burst;
        this.perNano = perSecond / NANOS_PER_SECOND;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** {@code perSecond} a second with a burst of the same size. */
    public static RateLimiter perSecond(int perSecond, long nowNanos) {
        return new RateLimiter(perSecond, perSecond, nowNanos);
    }

    /** Takes a token if there is one. */
    public boolean tryAcquire(long nowNanos) {
        return tryAcquire(nowNanos, 1);
    }

    /** Takes {@code cost} tokens (at most the burst) if there are that many. */
    public boolean tryAcquire(long nowNanos, double cost) {
        refill(nowNanos);
        if (tokens >= cost) {
            tokens -= cost;
            return true;
        }
        return false;
    }

    /** Nanoseconds from {@code nowNanos} until a token is there; 0 when one is there now. */
    public long nanosUntilAvailable(long nowNanos) {
        return nanosUntilAvailable(nowNanos, 1);
    }

    /** Nanoseconds from {@code nowNanos} until {@code cost} tokens are there; 0 when they are there now. */
    public long nanosUntilAvailable(long nowNanos, double cost) {
        refill(nowNanos);
        return tokens >= cost ? 0 : (long) Math.ceil((cost - tokens) / perNano);
    }

    /** Gives back a token taken for a request that was then refused for another reason. */
    public void refund() {
        refund(1);
    }

    /** Gives back {@code cost} tokens taken for a request that was then refused for another reason. */
    public void refund(double cost) {
        tokens = Math.min(burst, tokens + cost);
    }

    /** Whether the bucket is full at {@code nowNanos}: it then acts exactly like a new one. */
    public boolean isFull(long nowNanos) {
        return tokens + (nowNanos - lastNanos) * perNano >= burst;
    }

    private void refill(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * perNano);
        lastNanos = nowNanos;
    }
}
