package io.icemesh.monitor.probe;

/**
 * The health state of one probed server: a window of recent results, the run of consecutive misses, and the
 * verdict. Unknown until the first answer or until the miss threshold is reached; unhealthy after that many
 * misses in a row; healthy again at the next answer. Thread-safe (probe results arrive from the sender's timeout
 * sweep and from the receiver thread).
 */
final class ProbedServer {

    private final ProbeTarget target;
    private final ProbeMeters meters;
    private final int unhealthyAfterMisses;
    private final ProbeWindow window;
    private int consecutiveMisses;
    private Boolean healthy;
    private String detail = "not probed yet";
    private long checkedAtMs;
    private long publishedAtMs;

    ProbedServer(ProbeTarget target, ProbeMeters meters, int unhealthyAfterMisses, int windowSize) {
        this.target = target;
        this.meters = meters;
        this.unhealthyAfterMisses = unhealthyAfterMisses;
        this.window = new ProbeWindow(windowSize);
    }

    ProbeTarget target() {
        return target;
    }

    ProbeMeters meters() {
        return meters;
    }

    /** An answer arrived; returns whether the verdict changed. */
    synchronized boolean answered(long rttNanos, int errorCode, long nowMs) {
        window.answered(rttNanos);
        meters.answered(rttNanos);
        consecutiveMisses = 0;
        checkedAtMs = nowMs;
        detail = errorCode == 0 ? "answers Binding" : "answers Binding with error " + errorCode;
        meters.lossRatio(window.lossRatio());
        return setHealthy(true);
    }

    /**
     * A probe other than a Binding succeeded (an authenticated TURN Allocate, a TCP or TLS connect), described by
     * {@code what}; returns whether the verdict changed.
     */
    synchronized boolean succeeded(long rttNanos, String what, long nowMs) {
        window.answered(rttNanos);
        meters.answered(rttNanos);
        consecutiveMisses = 0;
        checkedAtMs = nowMs;
        detail = what;
        meters.lossRatio(window.lossRatio());
        return setHealthy(true);
    }

    /**
     * The server answered, but refused what a client needs (a TURN Allocate with valid credentials): it is
     * unhealthy at once, whatever the Bindings say; returns whether the verdict changed.
     */
    synchronized boolean refused(String why, long nowMs) {
        checkedAtMs = nowMs;
        detail = why;
        return setHealthy(false);
    }

    /** A probe went unanswered (or could not be sent); returns whether the verdict changed. */
    synchronized boolean missed(String why, long nowMs) {
        window.missed();
        meters.missed();
        consecutiveMisses++;
        checkedAtMs = nowMs;
        detail = why + " (" + consecutiveMisses + " in a row)";
        meters.lossRatio(window.lossRatio());
        return consecutiveMisses >= unhealthyAfterMisses && setHealthy(false);
    }

    private boolean setHealthy(boolean now) {
        boolean changed = healthy == null || healthy != now;
        healthy = now;
        meters.healthy(now);
        return changed;
    }

    /** Whether a periodic publication is due, and if so marks it done. */
    synchronized boolean publishDue(long nowMs, long intervalMs) {
        if (healthy == null || nowMs - publishedAtMs < intervalMs) {
            return false;
        }
        publishedAtMs = nowMs;
        return true;
    }

    synchronized void published(long nowMs) {
        publishedAtMs = nowMs;
    }

    synchronized ServerStatus status() {
        return new ServerStatus(target.url(), healthy != null, Boolean.TRUE.equals(healthy), window.p50Millis(),
                window.p95Millis(), window.lossRatio(), consecutiveMisses, detail, checkedAtMs);
    }
}
