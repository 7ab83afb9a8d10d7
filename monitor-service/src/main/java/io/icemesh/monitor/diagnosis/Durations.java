package io.icemesh.monitor.diagnosis;

import java.util.Locale;

/** Formats milliseconds the way the diagnosis texts show them: "120 ms" below a second, "5.0 s" from there. */
final class Durations {

    private static final long MILLIS_PER_SECOND = 1000;

    private Durations() {
    }

    static String format(long millis) {
        if (millis < MILLIS_PER_SECOND) {
            return millis + " ms";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / (double) MILLIS_PER_SECOND);
    }
}
