package io.icemesh.doctor;

import java.util.Locale;

/**
 * One ICE server URL as a client reads it: {@code stun:}/{@code stuns:} (RFC 7064) and {@code turn:}/{@code turns:}
 * with an optional {@code ?transport=udp|tcp} (RFC 7065). Default ports 3478 and, for the secure schemes, 5349; a
 * {@code turn:} URL without a transport is UDP, a {@code turns:} one TCP (under TLS). IPv6 literals in brackets.
 *
 * @param text      the URL as listed
 * @param scheme    {@code stun}, {@code stuns}, {@code turn} or {@code turns}
 * @param host      the host name or address literal (without brackets)
 * @param port      the port
 * @param transport what the client speaks to the server
 */
public record IceServerUrl(String text, String scheme, String host, int port, Transport transport) {

    /** How a client reaches the server. */
    public enum Transport {
        UDP, TCP, TLS;

        /** Lower case, as reports print it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Thrown for a URL no client would accept, with the reason in plain words. */
    public static final class MalformedUrlException extends IllegalArgumentException {
        MalformedUrlException(String url, String reason) {
            super("'" + url + "' is not an ICE server URL: " + reason);
        }
    }

    public boolean isTurn() {
        return scheme.startsWith("turn");
    }

    public boolean isStun() {
        return scheme.startsWith("stun");
    }

    /** Parses one URL; throws {@link MalformedUrlException} saying what is wrong. */
    public static IceServerUrl parse(String text) {
        String url = text.trim();
        int colon = url.indexOf(':');
        if (colon <= 0) {
            throw new MalformedUrlException(text, "no scheme (expected stun:, stuns:, turn: or turns:)");
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("stun") && !scheme.equals("stuns") && !scheme.equals("turn") && !scheme.equals("turns")) {
            throw new MalformedUrlException(text, "unknown scheme '" + scheme + "'");
        }
        String rest = url.substring(colon + 1);
        if (rest.startsWith("//")) {
            throw new MalformedUrlException(text, "ICE URLs have no '//' (write " + scheme + ":host:port)");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String host;
        String portText = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new MalformedUrlException(text, "an IPv6 address without its closing ']'");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new MalformedUrlException(text, "unexpected '" + after + "' after the address");
                }
                portText = after.substring(1);
            }
        } else {
            int c = rest.lastIndexOf(':');
            if (c >= 0) {
                if (rest.indexOf(':') != c) {
                    throw new MalformedUrlException(text, "an IPv6 address must be in brackets");
                }
                host = rest.substring(0, c);
                portText = rest.substring(c + 1);
            } else {
                host = rest;
            }
        }
        if (host.isEmpty()) {
            throw new MalformedUrlException(text, "no host");
        }
        boolean secure = scheme.endsWith("s");
        int port = secure ? 5349 : 3478;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new MalformedUrlException(text, "port '" + portText + "' is not 1-65535");
            }
        }
        Transport transport = secure ? Transport.TLS : Transport.UDP;
        if (query != null) {
            if (!scheme.startsWith("turn")) {
                throw new MalformedUrlException(text, "STUN URLs take no query");
            }
            if (!query.toLowerCase(Locale.ROOT).startsWith("transport=")) {
                throw new MalformedUrlException(text, "the only query is ?transport=udp or ?transport=tcp");
            }
            String t = query.substring("transport=".length()).toLowerCase(Locale.ROOT);
            if (t.equals("tcp")) {
                transport = secure ? Transport.TLS : Transport.TCP;
            } else if (t.equals("udp")) {
                if (secure) {
                    throw new MalformedUrlException(text, "turns: with transport=udp would be DTLS, which clients do not "
                            + "speak to TURN; use turns:...?transport=tcp");
                }
            } else {
                throw new MalformedUrlException(text, "transport '" + t + "' is neither udp nor tcp");
            }
        }
        return new IceServerUrl(url, scheme, host, port, transport);
    }

    @Override
    public String toString() {
        return text;
    }
}
