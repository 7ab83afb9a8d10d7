package io.icemesh.turn.server;

import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.XorAddress;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.auth.AuthResult;
import io.icemesh.turn.metrics.TurnMetrics;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The requests of TCP allocations (RFC 6062): Connect on the control connection opens a connection to a peer and
 * answers with its CONNECTION-ID (Section 5.2); ConnectionBind on a new client connection joins that connection to
 * a peer connection, connected or accepted, after which it carries the peer's bytes (Section 5.4).
 */
final class TcpRequestHandler {

    private final ExistingAllocationHandler allocationRequests;
    private final TcpConnections connections;
    private final TurnMetrics metrics;

    TcpRequestHandler(ExistingAllocationHandler allocationRequests, TcpConnections connections, TurnMetrics metrics) {
        this.allocationRequests = allocationRequests;
        this.connections = connections;
        this.metrics = metrics;
    }

    /** Connect (Section 5.2): 400 without a peer or on a UDP allocation, 403/443 by the ACL, 446, 447, 508. */
    void connect(StunMessage request, ClientConnection client, AuthResult auth) {
        Allocation allocation = allocationRequests.ownAllocation(request, client, auth);
        if (allocation == null) {
            return;
        }
        InetSocketAddress peer = XorAddress.decode(request, StunAttributeType.XOR_PEER_ADDRESS);
        if (!(allocation.relay() instanceof TcpRelay relay) || peer == null) {
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        if (!allocationRequests.checkPeer(request, client, auth, allocation, peer)) {
            return;
        }
        TcpRelay.ConnectStart start = relay.connect(peer,
                connection -> client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, true)
                        .add(StunAttributeType.CONNECTION_ID, connection.connectionId()), auth)),
                () -> client.send(StunResponses.signedError(request, StunErrorCode.CONNECTION_TIMEOUT_OR_FAILURE, auth)));
        switch (start) {
            case ALREADY_EXISTS -> client.send(StunResponses.signedError(request,
                    StunErrorCode.CONNECTION_ALREADY_EXISTS, auth));
            case FULL -> client.send(StunResponses.signedError(request, StunErrorCode.INSUFFICIENT_CAPACITY, auth));
            default -> {
                // answered when the connection is made or fails
            }
        }
    }

    /**
     * The allocation whose waiting peer connection a ConnectionBind names, when the request comes from that
     * allocation's client address (a data connection has a 5-tuple of its own, from the same client); else null. Its
     * username lets the ConnectionBind use the allocation's credential past its expiry, as the allocation's own
     * requests may ({@link io.icemesh.turn.auth.RequestAuthenticator}): the connection belongs to a call already
     * granted. {@link #connectionBind} still checks the credential is the allocation's.
     */
    Allocation allocationToBind(StunMessage request, ClientConnection client) {
        PeerConnection peer = waitingPeer(request);
        if (peer == null) {
            return null;
        }
        Allocation allocation = peer.relay().allocation();
        return allocation.fiveTuple().client().getAddress().equals(client.fiveTuple().client().getAddress())
                ? allocation : null;
    }

    /**
     * ConnectionBind (Section 5.4): on a TCP or TLS connection that holds no allocation, with the CONNECTION-ID of a
     * peer connection waiting for its client, and the credentials of that connection's allocation (441 otherwise).
     */
    void connectionBind(StunMessage request, ClientConnection client, AuthResult auth) {
        if (!(client instanceof StreamClientConnection data) || client.allocation() != null || data.pipe() != null) {
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        PeerConnection peer = waitingPeer(request);
        if (peer == null) {
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        Allocation allocation = peer.relay().allocation();
        if (!allocation.username().equals(auth.username()) || !allocation.hasKey(auth.key())) {
            metrics.authFailed(TurnMetrics.AuthFailure.WRONG_CREDENTIALS);
            client.send(StunResponses.signedError(request, StunErrorCode.WRONG_CREDENTIALS, auth));
            return;
        }
        if (!peer.bind(data.channel())) {
            client.send(StunResponses.signedError(request, StunErrorCode.BAD_REQUEST, auth));
            return;
        }
        client.send(StunResponses.sign(StunMessageBuilder.responseTo(request, true), auth));
        data.becomeDataConnection(peer);
    }

    /** The peer connection a request's CONNECTION-ID names, or null (no such connection, or no valid attribute). */
    private PeerConnection waitingPeer(StunMessage request) {
        byte[] id = request.value(StunAttributeType.CONNECTION_ID);
        return id == null || id.length != 4 ? null : connections.get(ByteBuffer.wrap(id).getInt());
    }
}
