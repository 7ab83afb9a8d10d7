package io.icemesh.signaling.ice;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed ICE server URL (RFC 7064 stun:/stuns:, RFC 7065 turn:/turns:).
 *
 * @param url the URL as configured or announced (the key health events use)
 * @param scheme stun, stuns, turn or turns
 * @param host host name or address (IPv6 without brackets)
 * @param port the port, the scheme's default when absent
 * @param transport udp, tcp (tls for turns), or null for STUN
 */
public record IceUrl(String url, String scheme, String host, int port, String transport) {

    private static final Pattern FORM = Pattern.compile(
            "(stuns?|turns?):(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?(?:\\?transport=(udp|tcp))?");

    /** Parses a URL, or returns null when it is not one of the four ICE schemes in their usual form. */
    public static IceUrl parse(String url) {
        if (url == null) {
            return null;
        }
        Matcher m = FORM.matcher(url.trim());
        if (!m.matches()) {
            return null;
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        boolean secure = scheme.endsWith("s");
        int port = m.group(3) != null ? Integer.parseInt(m.group(3)) : secure ? 5349 : 3478;
        if (port < 1 || port > 65535) {
            return null;
        }
        String transport = null;
        if (scheme.startsWith("turn")) {
            transport = secure ? "tls" : m.group(4) != null ? m.group(4) : "udp";
        } else if (m.group(4) != null) {
            return null;
        }
        return new IceUrl(url.trim(), scheme, host, port, transport);
    }

    public boolean isTurn() {
        return scheme.startsWith("turn");
    }

    /** The host and port this URL reaches, the grouping key for one TURN server's URLs. */
    public String endpoint() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
