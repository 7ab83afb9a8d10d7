package io.icemesh.signaling;

/** A token bucket: {@code perSecond} tokens a second, holding at most {@code perSecond}. Not thread-safe. */
final class RateLimiter {

    private final double perSecond;
    private double tokens;
    private long lastNanos;

    RateLimiter(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.lastNanos = nowNanos;
    }

    boolean tryAcquire(long nowNanos) {
        tokens = Math.min(perSecond, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
