package io.icemesh.monitor.probe;

/**
 * What the probes currently know about one ICE server.
 *
 * @param url the ICE server URL as configured or announced
 * @param known whether enough probes ran to call it healthy or unhealthy
 * @param healthy whether it answers (meaningless while not known)
 * @param rttP50Ms median round trip over the window, null without answers
 * @param rttP95Ms 95th percentile round trip over the window, null without answers
 * @param lossRatio unanswered share of the window, 0..1
 * @param consecutiveMisses probes unanswered in a row
 * @param detail a short reason, e.g. "no answer to 5 probes in a row"
 * @param checkedAtMs epoch milliseconds of the last probe result, 0 before any
 */
public record ServerStatus(String url, boolean known, boolean healthy, Double rttP50Ms, Double rttP95Ms,
        double lossRatio, int consecutiveMisses, String detail, long checkedAtMs) {

    /** Known and not answering. */
    public boolean unreachable() {
        return known && !healthy;
    }
}
