package io.icemesh.monitor.metrics;

import java.util.Locale;
import java.util.Set;

/** Maps reported candidate types and protocols onto the fixed sets used as metric labels. */
public final class CandidateLabels {

    /** ICE candidate types (RFC 8445 section 5.1.1). */
    public static final Set<String> TYPES = Set.of("host", "srflx", "prflx", "relay");
    /** Transport protocols of a candidate or pair. */
    public static final Set<String> PROTOCOLS = Set.of("udp", "tcp", "tls");
    /** Label for anything outside those sets. */
    public static final String UNKNOWN = "unknown";
    /** Every candidate type label, unknown included. */
    public static final Set<String> TYPE_LABELS = Set.of("host", "srflx", "prflx", "relay", UNKNOWN);
    /** Every protocol label, unknown included. */
    public static final Set<String> PROTOCOL_LABELS = Set.of("udp", "tcp", "tls", UNKNOWN);

    private CandidateLabels() {
    }

    /** A candidate type label: one of {@link #TYPES} or {@link #UNKNOWN}. */
    public static String type(String reported) {
        return bounded(reported, TYPES);
    }

    /** A protocol label: one of {@link #PROTOCOLS} or {@link #UNKNOWN}. */
    public static String protocol(String reported) {
        return bounded(reported, PROTOCOLS);
    }

    private static String bounded(String reported, Set<String> allowed) {
        if (reported == null) {
            return UNKNOWN;
        }
        String v = reported.trim().toLowerCase(Locale.ROOT);
        return allowed.contains(v) ? v : UNKNOWN;
    }
}
