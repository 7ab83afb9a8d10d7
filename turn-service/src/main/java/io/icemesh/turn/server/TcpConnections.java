package io.icemesh.turn.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The peer connections of every TCP allocation on this node: by CONNECTION-ID (RFC 6062 Section 6.2.1), so that a
 * ConnectionBind arriving on any new client connection finds its peer connection, and counted against a cap from
 * the file descriptor budget (each is a socket). Ids are random, so a client cannot guess another allocation's
 * pending connection; the ConnectionBind must also carry the allocation's credentials.
 */
final class TcpConnections {

    private final int max;
    private final AtomicInteger reserved = new AtomicInteger();
    private final ConcurrentHashMap<Integer, PeerConnection> byId = new ConcurrentHashMap<>();

    TcpConnections(int max) {
        this.max = max;
    }

    /** Takes a place for a peer socket about to be opened or accepted; false at the cap. */
    boolean reserve() {
        if (reserved.incrementAndGet() > max) {
            reserved.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives a reserved place back (the socket failed, or its connection is gone). */
    void unreserve() {
        reserved.decrementAndGet();
    }

    /** Registers a connection (whose place is reserved) under a new id; returns the connection. */
    PeerConnection register(IntFunction<PeerConnection> create) {
        while (true) {
            int id = ThreadLocalRandom.current().nextInt();
            if (id == 0 || byId.containsKey(id)) {
                continue;
            }
            PeerConnection connection = create.apply(id);
            if (byId.putIfAbsent(id, connection) == null) {
                return connection;
            }
        }
    }

    PeerConnection get(int id) {
        return byId.get(id);
    }

    /** Forgets a connection and gives its place back. */
    void remove(PeerConnection connection) {
        if (byId.remove(connection.id(), connection)) {
            unreserve();
        }
    }

    /** Peer sockets open or opening now. */
    int size() {
        return reserved.get();
    }
}
