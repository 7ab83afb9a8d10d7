package io.icemesh.media.track;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one key frame request per interval for one track (all its simulcast layers together). A request the limit
 * holds back is not lost: it is kept ({@link #defer}) and sent once the interval ends ({@link #takeDue}), so a
 * subscriber that connects just after another one, and missed the key frame the first one asked for, waits at most one
 * interval instead of until its own decoder asks again. {@link #claim} is lock-free; deferral is rare and locks.
 */
final class KeyframeRequestLimit {

    private final AtomicLong lastNanos = new AtomicLong(Long.MIN_VALUE);
    /** The SSRC (of a simulcast layer, or the track's) a held-back request is for; 0 when none waits. */
    private int deferredSsrc;

    /** Claims the right to send a request now; false while the last one is under {@code minIntervalNanos} old. */
    boolean claim(long nowNanos, long minIntervalNanos) {
        long last = lastNanos.get();
        if (last != Long.MIN_VALUE && nowNanos - last < minIntervalNanos) {
            return false;
        }
        return lastNanos.compareAndSet(last, nowNanos);
    }

    /**
     * Keeps a request the limit held back. The latest one wins, also across a simulcast track's layers: one key frame
     * serves every subscriber of a layer, and libvpx makes a key frame on every layer for a request on any.
     */
    synchronized void defer(int ssrc) {
        deferredSsrc = ssrc;
    }

    /** Whether a held-back request waits. */
    synchronized boolean hasDeferred() {
        return deferredSsrc != 0;
    }

    /**
     * The SSRC of the held-back request if it may go now (its right to send is claimed, and it is no longer kept);
     * 0 when none waits or the interval has not ended.
     */
    synchronized int takeDue(long nowNanos, long minIntervalNanos) {
        if (deferredSsrc == 0 || !claim(nowNanos, minIntervalNanos)) {
            return 0;
        }
        int ssrc = deferredSsrc;
        deferredSsrc = 0;
        return ssrc;
    }

    /** Drops a held-back request (its publisher is gone). */
    synchronized void clearDeferred() {
        deferredSsrc = 0;
    }
}
