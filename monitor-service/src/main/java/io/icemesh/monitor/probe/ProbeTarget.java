package io.icemesh.monitor.probe;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a probe goes for one ICE server URL (RFC 7064 stun/stuns, RFC 7065 turn/turns): its host and port. Every
 * URL is probed with a STUN Binding over UDP to that host and port; TURN servers answer Binding on their
 * listening ports too.
 *
 * @param url the URL as given
 * @param scheme stun, stuns, turn or turns
 * @param host host name or address literal (without IPv6 brackets)
 * @param port port, the scheme's default when the URL has none
 */
public record ProbeTarget(String url, String scheme, String host, int port) {

    /** RFC 7064 section 3.2 and RFC 7065 section 3: 3478 for stun/turn, 5349 for stuns/turns. */
    static final int DEFAULT_PORT = 3478;
    static final int DEFAULT_SECURE_PORT = 5349;
    private static final int MAX_PORT = 65535;

    /** Parses an ICE server URL; empty when it is not one. */
    public static Optional<ProbeTarget> parse(String url) {
        if (url == null) {
            return Optional.empty();
        }
        int colon = url.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        boolean secure = scheme.equals("stuns") || scheme.equals("turns");
        if (!secure && !scheme.equals("stun") && !scheme.equals("turn")) {
            return Optional.empty();
        }
        String rest = url.substring(colon + 1);
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        return hostAndPort(rest, secure ? DEFAULT_SECURE_PORT : DEFAULT_PORT)
                .map(hp -> new ProbeTarget(url, scheme, hp.host, hp.port));
    }

    private record HostPort(String host, int port) {
    }

    private static Optional<HostPort> hostAndPort(String s, int defaultPort) {
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            host = s.substring(1, close);
            String after = s.substring(close + 1);
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                return Optional.empty();
            }
        } else {
            int c = s.lastIndexOf(':');
            host = c < 0 ? s : s.substring(0, c);
            port = c < 0 ? null : s.substring(c + 1);
            if (host.contains(":")) {
                return Optional.empty();
            }
        }
        if (host.isEmpty()) {
            return Optional.empty();
        }
        if (port == null) {
            return Optional.of(new HostPort(host, defaultPort));
        }
        try {
            int p = Integer.parseInt(port);
            return p > 0 && p <= MAX_PORT ? Optional.of(new HostPort(host, p)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
