package io.icemesh.media;

import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Watches the node's single timer thread (consent checks, RTCP reports, deferred key frame requests, the idle sweep,
 * ICE timeouts): a heartbeat task on that thread calls {@link #beat}, and a thread of the watchdog's own calls
 * {@link #check} every second. A timer that has not beaten for {@link #STALL_NANOS} is logged once per stall at WARN
 * with where the timer thread is, and again at INFO when it runs again. Without this, a stuck timer thread shows only
 * as its effects: every endpoint ends {@code consent-expired} at once when it comes back.
 */
public final class TimerWatchdog {

    private static final Logger LOG = Logger.getLogger(TimerWatchdog.class);
    /** A timer task that runs every 50-1,000 ms is stuck, not late, after this long. */
    static final long STALL_NANOS = 5_000_000_000L;

    private final LongSupplier clock;
    private volatile Thread timerThread;
    private volatile long lastBeatNanos;
    private boolean stallReported;

    public TimerWatchdog(LongSupplier clock) {
        this.clock = clock;
        this.lastBeatNanos = clock.getAsLong();
    }

    /** Called on the timer thread by its heartbeat task. */
    public void beat() {
        timerThread = Thread.currentThread();
        lastBeatNanos = clock.getAsLong();
    }

    /** How long since the timer thread last ran its heartbeat, in ms. */
    public long lagMillis() {
        return Math.max(0, (clock.getAsLong() - lastBeatNanos) / 1_000_000L);
    }

    /**
     * Logs a stall that began (with the timer thread's stack) or ended since the last call; returns that line, or
     * null when nothing changed. Called by the watchdog's own thread.
     */
    public synchronized String check() {
        long lag = lagMillis();
        if (lag * 1_000_000L > STALL_NANOS) {
            if (stallReported) {
                return null;
            }
            stallReported = true;
            StringBuilder sb = new StringBuilder("media-timers has not run for ").append(lag)
                    .append(" ms: consent checks, RTCP reports, key frame requests and the idle sweep wait for it");
            Thread t = timerThread;
            if (t != null) {
                sb.append("; it is at (").append(t.getState()).append("):");
                for (StackTraceElement e : t.getStackTrace()) {
                    sb.append("\n\tat ").append(e);
                }
            }
            String line = sb.toString();
            LOG.warn(line);
            return line;
        }
        if (stallReported) {
            stallReported = false;
            String line = "media-timers runs again (" + lag + " ms since its last heartbeat)";
            LOG.info(line);
            return line;
        }
        return null;
    }
}
