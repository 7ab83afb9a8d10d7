package io.icemesh.turn.server;

import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One TCP connection between a TCP allocation's relayed address and a peer (RFC 6062 Section 5), and, once a client
 * data connection has bound it with ConnectionBind, the byte pipe between the two. Until it is bound the peer's
 * bytes are not read (the kernel's buffer and TCP's window hold them); a connection not bound within
 * {@link #BIND_TIMEOUT_SECONDS} is closed (Section 5.3). Either side closing closes the other. Each side stops
 * reading while the other cannot take more (writability), so a slow reader slows the sender instead of filling memory.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter {

    /** How long a connection waits for its ConnectionBind (RFC 6062 Section 5.2 and 5.3: 30 seconds). */
    static final long BIND_TIMEOUT_SECONDS = 30;

    /** Where the connection is in its life. */
    enum State { PENDING, BOUND, CLOSED }

    private final int id;
    private final TcpRelay relay;
    private final InetSocketAddress peer;
    private final Channel peerChannel;
    private final TurnMetrics metrics;
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    private volatile Channel clientChannel;
    private volatile ScheduledFuture<?> bindTimer;

    PeerConnection(int id, TcpRelay relay, InetSocketAddress peer, Channel peerChannel, TurnMetrics metrics) {
        this.id = id;
        this.relay = relay;
        this.peer = peer;
        this.peerChannel = peerChannel;
        this.metrics = metrics;
    }

    int id() {
        return id;
    }

    InetSocketAddress peer() {
        return peer;
    }

    TcpRelay relay() {
        return relay;
    }

    /** Starts the ConnectionBind timer; called once the peer connection is established. */
    void awaitBind() {
        bindTimer = peerChannel.eventLoop().schedule(() -> {
            if (state.get() == State.PENDING) {
                metrics.tcpConnection(TurnMetrics.TcpOutcome.BIND_TIMEOUT);
                close();
            }
        }, BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Binds a client data connection; false when the connection is no longer waiting for one. */
    boolean bind(Channel client) {
        if (!state.compareAndSet(State.PENDING, State.BOUND)) {
            return false;
        }
        clientChannel = client;
        if (bindTimer != null) {
            bindTimer.cancel(false);
        }
        client.closeFuture().addListener(f -> close());
        metrics.tcpConnection(TurnMetrics.TcpOutcome.BOUND);
        // read the peer only once the ConnectionBind answer is out: this runs inside the client loop's read, and
        // the peer's first bytes are written to the client through a task on that same loop
        client.eventLoop().execute(() -> peerChannel.config().setAutoRead(client.isWritable()));
        return true;
    }

    /** Bytes from the client data connection, to the peer; takes ownership of {@code data}. */
    void fromClient(ByteBuf data, Channel client) {
        int length = data.readableBytes();
        peerChannel.writeAndFlush(data, peerChannel.voidPromise());
        relay.allocation().countToPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_PEER, length);
        if (!peerChannel.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    /** The client data connection's writability changed: read the peer only while the client can take more. */
    void clientWritabilityChanged(boolean writable) {
        peerChannel.config().setAutoRead(writable && state.get() == State.BOUND);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel client = clientChannel;
        if (!(msg instanceof ByteBuf data) || client == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int length = data.readableBytes();
        client.writeAndFlush(data, client.voidPromise());
        relay.allocation().countFromPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_CLIENT, length);
        if (!client.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel client = clientChannel;
        if (client != null) {
            client.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset from the peer is the peer going away
        close();
    }

    /** Closes both sides and forgets the connection. */
    void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        if (bindTimer != null) {
            bindTimer.cancel(false);
        }
        relay.forget(this);
        peerChannel.close();
        Channel client = clientChannel;
        if (client != null) {
            client.close();
        }
    }
}
