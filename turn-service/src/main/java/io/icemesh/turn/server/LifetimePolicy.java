package io.icemesh.turn.server;

import java.time.Duration;

/**
 * The lifetime granted for a requested LIFETIME (RFC 8656 Sections 7.2 and 8.2): the smaller of the request and the
 * maximum, but never less than the default; the default when the request names none.
 */
final class LifetimePolicy {

    private final long defaultSeconds;
    private final long maxSeconds;

    LifetimePolicy(Duration defaultLifetime, Duration maxLifetime) {
        this.defaultSeconds = defaultLifetime.toSeconds();
        this.maxSeconds = Math.max(maxLifetime.toSeconds(), defaultSeconds);
    }

    /** Seconds granted for a requested value (-1 when the request had no LIFETIME). */
    long grant(long requestedSeconds) {
        if (requestedSeconds < 0) {
            return defaultSeconds;
        }
        return Math.max(defaultSeconds, Math.min(requestedSeconds, maxSeconds));
    }
}
