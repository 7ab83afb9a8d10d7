package io.icemesh.turn.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The peer data connections of every TCP allocation on this node, by CONNECTION-ID (RFC 6062 Section 6.2.1), so
 * that a ConnectionBind arriving on any new client connection finds its peer connection. Ids are random, so a
 * client cannot guess another allocation's pending connection; the ConnectionBind must also carry the allocation's
 * credentials.
 */
final class TcpConnections {

    private final ConcurrentHashMap<Integer, PeerConnection> byId = new ConcurrentHashMap<>();

    /** Registers a connection under a new id; returns the id. */
    int register(java.util.function.IntFunction<PeerConnection> create) {
        while (true) {
            int id = ThreadLocalRandom.current().nextInt();
            if (id == 0 || byId.containsKey(id)) {
                continue;
            }
            PeerConnection connection = create.apply(id);
            if (byId.putIfAbsent(id, connection) == null) {
                return id;
            }
        }
    }

    PeerConnection get(int id) {
        return byId.get(id);
    }

    void remove(PeerConnection connection) {
        byId.remove(connection.id(), connection);
    }

    /** Peer data connections open now. */
    int size() {
        return byId.size();
    }
}
