package io.icemesh.turn.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.Enumeration;

/** Resolves the {@code auto}/{@code none} relay address settings to literal addresses of this host. */
final class HostAddresses {

    static final String AUTO = "auto";
    static final String NONE = "none";

    private HostAddresses() {
    }

    /** The configured IPv4 relay address, or the first non-loopback IPv4 address, or 127.0.0.1. */
    static InetAddress ipv4(String setting) throws UnknownHostException, SocketException {
        if (!AUTO.equals(setting)) {
            return literal(setting);
        }
        for (InetAddress a : hostAddresses()) {
            if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                return a;
            }
        }
        return InetAddress.getByName("127.0.0.1");
    }

    /** The configured IPv6 relay address, or the first global IPv6 address; null for none. */
    static InetAddress ipv6(String setting) throws UnknownHostException, SocketException {
        if (NONE.equals(setting)) {
            return null;
        }
        if (!AUTO.equals(setting)) {
            return literal(setting);
        }
        for (InetAddress a : hostAddresses()) {
            if (a instanceof Inet6Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()
                    && !a.isSiteLocalAddress() && (a.getAddress()[0] & 0xFE) != 0xFC) {
                return a;
            }
        }
        return null;
    }

    /** A literal IP address (never resolves a name). */
    static InetAddress literal(String text) throws UnknownHostException {
        boolean literal = text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
        if (!literal) {
            throw new UnknownHostException("not an IP literal: " + text);
        }
        return InetAddress.getByName(text);
    }

    private static Iterable<InetAddress> hostAddresses() throws SocketException {
        java.util.List<InetAddress> all = new java.util.ArrayList<>();
        Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
        if (interfaces == null) {
            return all;
        }
        for (NetworkInterface ni : Collections.list(interfaces)) {
            if (ni.isUp()) {
                all.addAll(Collections.list(ni.getInetAddresses()));
            }
        }
        return all;
    }
}
