package io.icemesh.turn.policy;

import io.icemesh.stun.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which peer addresses a client may open permissions to (RFC 8656 Section 21.2.3 asks servers to keep relays
 * away from internal networks). After {@link AddressNormalizer normalising} the address, an address in the allow
 * list is permitted (allow wins, as coturn's {@code allowed-peer-ip}); otherwise an address in the built-in or
 * configured deny list is refused; anything else is permitted.
 */
public final class PeerAddressPolicy {

    /**
     * Denied by default: unspecified, loopback, private (RFC 1918, RFC 6598 shared, unique local), link-local
     * (including the 169.254.169.254 metadata address), multicast, reserved, documentation, benchmarking, and the
     * IPv6 forms that embed an IPv4 address (mapped, translated, NAT64, 6to4, Teredo); the mapped, compatible and
     * translated forms are also normalised to IPv4 first, so an allow entry for an IPv4 prefix covers them.
     */
    public static final List<String> DEFAULT_DENIED = List.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
            "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10",
            "ff00::/8");

    /** Loopback prefixes, allowed only when {@code allow-loopback-peers} is set (tests and local demos). */
    public static final List<String> LOOPBACK = List.of("127.0.0.0/8", "::1/128");

    private final List<Cidr> allowed;
    private final List<Cidr> denied;

    /**
     * @param allow extra allowed prefixes (win over denials)
     * @param deny extra denied prefixes (added to {@link #DEFAULT_DENIED})
     * @param allowLoopback allow loopback peers
     */
    public PeerAddressPolicy(List<String> allow, List<String> deny, boolean allowLoopback) {
        List<Cidr> a = new ArrayList<>();
        if (allowLoopback) {
            LOOPBACK.forEach(c -> a.add(Cidr.parse(c)));
        }
        allow.forEach(c -> a.add(Cidr.parse(c)));
        List<Cidr> d = new ArrayList<>();
        DEFAULT_DENIED.forEach(c -> d.add(Cidr.parse(c)));
        deny.forEach(c -> d.add(Cidr.parse(c)));
        this.allowed = List.copyOf(a);
        this.denied = List.copyOf(d);
    }

    /** True when a client may reach this peer address. */
    public boolean permits(InetAddress peer) {
        byte[] address = AddressNormalizer.normalize(peer.getAddress());
        for (Cidr c : allowed) {
            if (c.contains(address)) {
                return true;
            }
        }
        for (Cidr c : denied) {
            if (c.contains(address)) {
                return false;
            }
        }
        return true;
    }
}
