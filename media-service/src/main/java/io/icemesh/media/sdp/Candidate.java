package io.icemesh.media.sdp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An {@code a=candidate} line (RFC 8839 section 5.1).
 *
 * @param foundation foundation
 * @param component component id (1 = RTP)
 * @param transport udp or tcp
 * @param priority priority
 * @param address connection address: an IP literal, or an mDNS name (RFC 8828) that this SFU does not resolve
 * @param port port
 * @param type host, srflx, prflx or relay
 */
public record Candidate(String foundation, int component, String transport, long priority, String address, int port,
        String type) {

    /** Parses the attribute value after {@code candidate:}; null when malformed. */
    public static Candidate parse(String value) {
        String[] f = value.trim().split("\\s+");
        if (f.length < 8 || !"typ".equals(f[6])) {
            return null;
        }
        try {
            int component = Integer.parseInt(f[1]);
            long priority = Long.parseLong(f[3]);
            int port = Integer.parseInt(f[5]);
            if (component < 1 || component > 256 || priority < 0 || port < 0 || port > 65535) {
                return null;
            }
            return new Candidate(f[0], component, f[2], priority, f[4], port, f[7]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The address if it is an IP literal, else null (no DNS lookups: mDNS names are skipped). */
    public InetAddress inetAddress() {
        if (!address.matches("[0-9.]+") && !address.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
