package io.icemesh.turn.allocation;

import java.net.InetSocketAddress;

/**
 * The client's 5-tuple that identifies an allocation (RFC 8656 Section 2): client address and port, server
 * address and port, and the transport between them.
 */
public record FiveTuple(InetSocketAddress client, InetSocketAddress server, TransportProtocol transport) {

    /** "ip:port" of the client, for events and logs. */
    public String clientText() {
        return client.getAddress().getHostAddress() + ":" + client.getPort();
    }
}
