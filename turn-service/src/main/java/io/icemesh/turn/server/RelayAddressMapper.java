package io.icemesh.turn.server;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Maps a relay socket's local address to the address clients are told (XOR-RELAYED-ADDRESS): the configured
 * public IPv4 address when the host sits behind a 1:1 NAT, else the local address itself.
 */
final class RelayAddressMapper {

    private final InetAddress publicIpv4;

    /** @param publicIpv4 the public IPv4 address, or null for none */
    RelayAddressMapper(InetAddress publicIpv4) {
        this.publicIpv4 = publicIpv4;
    }

    InetSocketAddress advertised(InetSocketAddress local) {
        if (publicIpv4 != null && local.getAddress() instanceof Inet4Address) {
            return new InetSocketAddress(publicIpv4, local.getPort());
        }
        return local;
    }
}
