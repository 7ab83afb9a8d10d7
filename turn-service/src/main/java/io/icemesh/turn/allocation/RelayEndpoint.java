package io.icemesh.turn.allocation;

import java.net.InetSocketAddress;

/** The relayed transport address of an allocation: a socket the server owns (RFC 8656 Section 2). */
public interface RelayEndpoint {

    /** The relayed transport address as given to the client in XOR-RELAYED-ADDRESS. */
    InetSocketAddress address();

    /** Closes the socket; the port returns to the pool. */
    void close();
}
