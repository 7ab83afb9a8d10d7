package io.icemesh.signaling.limit;

import java.util.Optional;

/**
 * Two budgets a request takes from together: one per session and one per client address. A request takes from both
 * or from neither (a refusal by the address gives the session back what it took), and a refusal names the budget
 * that refused and the whole seconds until it has room (for Retry-After).
 */
public final class SessionAndSourceBudgets {

    /** Which budget refused a request. */
    public enum Limit { SESSION, SOURCE }

    /** A refused request: the budget that refused it and whole seconds until it has room. */
    public record Refusal(Limit limit, long retryAfterSeconds) {
    }

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final KeyedRateLimiter sessions;
    private final KeyedRateLimiter sources;

    public SessionAndSourceBudgets(KeyedRateLimiter sessions, KeyedRateLimiter sources) {
        this.sessions = sessions;
        this.sources = sources;
    }

    /** Takes {@code cost} from the session's and the address's budgets; a refusal if either has too little. */
    public Optional<Refusal> acquire(String sessionKey, String sourceKey, long nowNanos, double cost) {
        long wait = sessions.tryAcquire(sessionKey, nowNanos, cost);
        if (wait > 0) {
            return Optional.of(refusal(Limit.SESSION, wait));
        }
        wait = sources.tryAcquire(sourceKey, nowNanos, cost);
        if (wait > 0) {
            sessions.refund(sessionKey, cost);
            return Optional.of(refusal(Limit.SOURCE, wait));
        }
        return Optional.empty();
    }

    /** Gives the session back what an accepted request took, when the request could not be served after all. */
    public void refundSession(String sessionKey, double cost) {
        sessions.refund(sessionKey, cost);
    }

    private static Refusal refusal(Limit limit, long waitNanos) {
        return new Refusal(limit, Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND));
    }
}
