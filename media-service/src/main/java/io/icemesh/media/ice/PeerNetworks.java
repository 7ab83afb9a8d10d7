package io.icemesh.media.ice;

import io.icemesh.stun.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks clients may connect from, as CIDR blocks. ICE checks from elsewhere are not answered and candidates
 * elsewhere are not checked, so the node never sends to an address outside them (tests and the local profile use
 * loopback only).
 */
public final class PeerNetworks {

    private final List<Cidr> networks;

    private PeerNetworks(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    /**
     * Parses blocks such as {@code 127.0.0.0/8} or {@code ::/0}; a bare address is a single host; blank entries are
     * skipped. IP literals only (stun's {@link Cidr}): a name such as {@code localhost} is refused at start-up, never
     * resolved, and so is an IPv6 zone id.
     *
     * @throws IllegalArgumentException naming the entry that is not a block
     */
    public static PeerNetworks parse(List<String> cidrs) {
        List<Cidr> out = new ArrayList<>();
        for (String raw : cidrs) {
            if (!raw.isBlank()) {
                out.add(Cidr.parse(raw));
            }
        }
        return new PeerNetworks(out);
    }

    /**
     * Whether the address lies in one of the blocks. An IPv4 address also matches a block written in its IPv4-mapped
     * IPv6 form ({@code ::ffff:10.0.0.0/104}).
     */
    public boolean allows(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        byte[] mapped = a.length == 4 ? Cidr.ipv4Mapped(a) : null;
        for (Cidr c : networks) {
            if (c.contains(a) || (mapped != null && c.contains(mapped))) {
                return true;
            }
        }
        return false;
    }
}
