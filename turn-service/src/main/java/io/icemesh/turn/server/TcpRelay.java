package io.icemesh.turn.server;

import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.RelayEndpoint;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The relayed transport address of a TCP allocation (RFC 6062): a listening TCP socket that peers connect to, and
 * the address outgoing connections to peers are made from. A peer that connects needs a permission; it is announced
 * to the client with a ConnectionAttempt indication on the control connection (Section 5.3). A Connect request opens
 * a connection to a peer (Section 5.2). Either way the client then binds the connection with ConnectionBind on a new
 * connection of its own. Everything but the client's data connections runs on the control connection's event loop.
 */
final class TcpRelay implements RelayEndpoint {

    /** How long a Connect may take before 447 (RFC 6062 Section 5.2: at least 30 seconds). */
    static final int CONNECT_TIMEOUT_MILLIS = 30_000;
    /**
     * Peer connections one allocation may hold, connecting, pending or bound; past it Connect gets 508 and peers are
     * refused. Node-wide, peer sockets are also capped by the file descriptor budget ({@link TcpConnections}).
     */
    static final int MAX_CONNECTIONS = 32;

    /** Why a Connect could not start. */
    enum ConnectStart { STARTED, ALREADY_EXISTS, FULL }

    /** The mark of a peer whose accepted connection is being set up (within one task of the control loop). */
    private static final Object ACCEPTING = new Object();

    private final Allocation allocation;
    private final ClientConnection control;
    private final TcpConnections registry;
    private final RelayPortAllocator sockets;
    private final TurnMetrics metrics;
    /** Per peer: the connecting channel while a Connect is under way, then its {@link PeerConnection}. */
    private final ConcurrentHashMap<InetSocketAddress, Object> byPeer = new ConcurrentHashMap<>();
    private volatile Channel listener;
    private volatile InetSocketAddress advertised;
    private volatile boolean closed;

    TcpRelay(Allocation allocation, ClientConnection control, TcpConnections registry, RelayPortAllocator sockets,
            TurnMetrics metrics) {
        this.allocation = allocation;
        this.control = control;
        this.registry = registry;
        this.sockets = sockets;
        this.metrics = metrics;
    }

    Allocation allocation() {
        return allocation;
    }

    /** The handler of connections peers make to the relayed address. */
    ChannelInitializer<SocketChannel> acceptor() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                accepted(ch);
            }
        };
    }

    void bound(Channel listener, InetSocketAddress advertised) {
        this.listener = listener;
        this.advertised = advertised;
        if (closed) {
            listener.close();
        }
    }

    @Override
    public InetSocketAddress address() {
        return advertised;
    }

    /** Connections to peers open now (connecting, pending or bound). */
    int connections() {
        return byPeer.size();
    }

    /**
     * Opens a connection to {@code peer} from the relayed address. Exactly one callback runs later, on the control
     * connection's loop, unless the call does not return {@link ConnectStart#STARTED}.
     */
    ConnectStart connect(InetSocketAddress peer, Consumer<PeerConnection> onConnected, Runnable onFailed) {
        if (byPeer.containsKey(peer)) {
            return ConnectStart.ALREADY_EXISTS;
        }
        if (closed || byPeer.size() >= MAX_CONNECTIONS || !registry.reserve()) {
            return ConnectStart.FULL;
        }
        ChannelFuture future = sockets.connectTcp(control.eventLoop(),
                (InetSocketAddress) listener.localAddress(), peer, CONNECT_TIMEOUT_MILLIS);
        Channel ch = future.channel();
        byPeer.put(peer, ch);
        future.addListener(done -> {
            if (!done.isSuccess() || closed) {
                byPeer.remove(peer, ch);
                registry.unreserve();
                ch.close();
                metrics.tcpConnection(TurnMetrics.TcpOutcome.CONNECT_FAILED);
                onFailed.run();
                return;
            }
            PeerConnection connection = open(ch, peer);
            metrics.tcpConnection(TurnMetrics.TcpOutcome.CONNECTED);
            onConnected.accept(connection);
        });
        return ConnectStart.STARTED;
    }

    /** A peer connected to the relayed address: it needs a permission, then the client is told (Section 5.3). */
    private void accepted(SocketChannel ch) {
        InetSocketAddress peer = ch.remoteAddress();
        ch.config().setAutoRead(false);
        if (closed || !allocation.hasPermission(peer.getAddress(), System.nanoTime())
                || byPeer.size() >= MAX_CONNECTIONS || byPeer.putIfAbsent(peer, ACCEPTING) != null) {
            metrics.tcpConnection(TurnMetrics.TcpOutcome.REFUSED);
            ch.close();
            return;
        }
        if (!registry.reserve()) {
            byPeer.remove(peer, ACCEPTING);
            metrics.tcpConnection(TurnMetrics.TcpOutcome.REFUSED);
            ch.close();
            return;
        }
        PeerConnection connection = open(ch, peer);
        metrics.tcpConnection(TurnMetrics.TcpOutcome.ACCEPTED);
        control.send(StunMessageBuilder.of(StunMessageType.of(StunMessageType.METHOD_CONNECTION_ATTEMPT,
                        StunMessageType.CLASS_INDICATION), newTransactionId())
                .add(StunAttributeType.CONNECTION_ID, connection.connectionId())
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer).addFingerprint().build());
    }

    /** Registers a peer connection under a new id, in place of the peer's mark; closes it if it is gone already. */
    private PeerConnection open(Channel ch, InetSocketAddress peer) {
        PeerConnection connection = registry.register(i -> new PeerConnection(i, this, peer, ch, metrics));
        byPeer.put(peer, connection);
        ch.pipeline().addLast(connection);
        connection.awaitBind();
        if (!ch.isActive()) {
            connection.close();
        }
        return connection;
    }

    /** Called by a connection as it closes. */
    void forget(PeerConnection connection) {
        byPeer.remove(connection.peer(), connection);
        registry.remove(connection);
    }

    /**
     * Ends the relay when its allocation ends (from any thread): the work runs on the control connection's loop, where
     * connects and accepts run, so none of them can slip in after it.
     */
    @Override
    public void close() {
        closed = true;
        control.eventLoop().execute(() -> {
            Channel l = listener;
            if (l != null) {
                l.close();
            }
            for (Object o : byPeer.values()) {
                if (o instanceof PeerConnection connection) {
                    connection.close();
                } else if (o instanceof Channel connecting) {
                    connecting.close();
                }
            }
        });
    }

    private static byte[] newTransactionId() {
        byte[] id = new byte[12];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(id);
        return id;
    }
}
