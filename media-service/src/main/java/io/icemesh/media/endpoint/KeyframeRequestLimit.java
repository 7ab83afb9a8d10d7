package io.icemesh.media.endpoint;

import java.util.concurrent.atomic.AtomicLong;

/** At most one key frame request per interval for one track (all its simulcast layers together); lock-free. */
final class KeyframeRequestLimit {

    private final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);

    /** Claims the right to send a request now; false while the last one is under {@code minIntervalNanos} old. */
    boolean claim(long nowNanos, long minIntervalNanos) {
        long last = lastNanos.get();
        if (last != Long.MIN_VALUE && nowNanos - last < minIntervalNanos) {
            return false;
        }
        return lastNanos.compareAndSet(last, nowNanos);
    }
}
