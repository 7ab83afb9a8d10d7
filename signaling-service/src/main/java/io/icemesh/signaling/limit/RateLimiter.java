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
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Nanoseconds from {@code nowNanos} until a token is there; 0 when one is there now. */
    public long nanosUntilAvailable(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
    }

    /** Gives back a token taken for a request that was then refused for another reason. */
    public void refund() {
        tokens = Math.min(burst, tokens + 1);
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
