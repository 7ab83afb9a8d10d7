package io.icemesh.stun;

/**
 * A token bucket: it holds at most {@code burst} tokens, gains {@code perSecond} tokens a second, and a request takes
 * as many as it costs (one request, or its bytes). The one rate limit of icemesh: turn-service's per-source answers,
 * relay bandwidth and failure events, signaling's message and request budgets, media-service's RTX byte rate.
 *
 * <p>Times are {@link System#nanoTime()} values passed in, so that tests drive the clock; a time earlier than the last
 * one adds nothing. Not thread-safe by design: each bucket has one writer or its owner's lock, so a hot path takes
 * no lock of its own.
 */
public final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1e9;

    private final double burst;
    private final double perNano;
    private double tokens;
    private long lastNanos;

    /** A full bucket of {@code burst} tokens that refills at {@code perSecond}. */
    public TokenBucket(double perSecond, double burst, long nowNanos) {
        if (!(burst >= 0) || !(perSecond >= 0)) {
            throw new IllegalArgumentException("a token bucket needs a burst and a rate of at least 0, was " + burst
                    + " and " + perSecond + "/s");
        }
        this.burst = burst;
        this.perNano = perSecond / NANOS_PER_SECOND;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** {@code perSecond} a second with a burst of the same size. */
    public static TokenBucket perSecond(double perSecond, long nowNanos) {
        return new TokenBucket(perSecond, perSecond, nowNanos);
    }

    /** Takes {@code amount} tokens if there are that many; false (and nothing taken) otherwise. */
    public boolean tryTake(double amount, long nowNanos) {
        refill(nowNanos);
        if (tokens >= amount) {
            tokens -= amount;
            return true;
        }
        return false;
    }

    /** Nanoseconds from {@code nowNanos} until {@code amount} tokens are there; 0 when they are there now. */
    public long nanosUntilAvailable(double amount, long nowNanos) {
        refill(nowNanos);
        if (tokens >= amount) {
            return 0;
        }
        return perNano == 0 ? Long.MAX_VALUE : (long) Math.ceil((amount - tokens) / perNano);
    }

    /** Gives back {@code amount} tokens taken for a request that was then refused for another reason. */
    public void refund(double amount) {
        tokens = Math.min(burst, tokens + amount);
    }

    /** Whether the bucket is full at {@code nowNanos}: it then acts exactly like a new one. */
    public boolean isFull(long nowNanos) {
        return tokens + Math.max(0, nowNanos - lastNanos) * perNano >= burst;
    }

    /** The last time the bucket was used. */
    public long lastNanos() {
        return lastNanos;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
    }
}
