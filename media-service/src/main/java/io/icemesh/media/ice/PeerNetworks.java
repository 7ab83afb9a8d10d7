package io.icemesh.media.ice;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks clients may connect from, as CIDR blocks. ICE checks from elsewhere are not answered and candidates
 * elsewhere are not checked, so the node never sends to an address outside them (tests and the local profile use
 * loopback only).
 */
public final class PeerNetworks {

    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();

    /** Parses blocks such as {@code 127.0.0.0/8} or {@code ::/0}; a bare address is a single host. */
    public static PeerNetworks parse(List<String> cidrs) {
        PeerNetworks p = new PeerNetworks();
        for (String raw : cidrs) {
            String cidr = raw.trim();
            if (cidr.isEmpty()) {
                continue;
            }
            int slash = cidr.indexOf('/');
            try {
                byte[] net = InetAddress.getByName(slash < 0 ? cidr : cidr.substring(0, slash)).getAddress();
                int prefix = slash < 0 ? net.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
                if (prefix < 0 || prefix > net.length * 8) {
                    throw new IllegalArgumentException("bad prefix in " + cidr);
                }
                p.networks.add(net);
                p.prefixes.add(prefix);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR block: " + cidr, e);
            }
        }
        return p;
    }

    /** Whether the address lies in one of the blocks. */
    public boolean allows(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        for (int i = 0; i < networks.size(); i++) {
            byte[] n = networks.get(i);
            if (n.length == a.length && matches(n, a, prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] net, byte[] addr, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != addr[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (net[full] & mask) == (addr[full] & mask);
    }
}
