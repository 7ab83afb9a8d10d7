package io.icemesh.turn.server;

import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One TCP connection between a TCP allocation's relayed address and a peer (RFC 6062 Section 5), and, once a client
 * data connection has bound it with ConnectionBind, the byte pipe between the two. Until it is bound the peer's
 * bytes are not read (the kernel's buffer and TCP's window hold them); a connection not bound within
 * {@link #BIND_TIMEOUT_SECONDS} is closed (Section 5.3). Either side closing closes the other once what was already
 * written to it has gone out.
 *
 * <p>Back-pressure: each side reads only while the other can take more. The two channels may live on different
 * event loops, so a side's reading is always decided on its own loop, from the other side's writability at that
 * moment; every change of writability asks again, so the last decision always sees the last change.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter {

    /** How long a connection waits for its ConnectionBind (RFC 6062 Section 5.2 and 5.3: 30 seconds). */
    static final long BIND_TIMEOUT_SECONDS = 30;
    /** How long a closing side may take to send what was written to it before it is closed regardless. */
    static final long DRAIN_SECONDS = 10;

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

    /** The CONNECTION-ID attribute's value for this connection (RFC 6062 Section 6.2.1: 32 bits). */
    byte[] connectionId() {
        return ByteBuffer.allocate(4).putInt(id).array();
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
        // set before the state changes, so that a close racing this bind sees the client and closes it too
        clientChannel = client;
        if (!state.compareAndSet(State.PENDING, State.BOUND)) {
            return false;
        }
        ScheduledFuture<?> timer = bindTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        client.closeFuture().addListener(f -> close());
        metrics.tcpConnection(TurnMetrics.TcpOutcome.BOUND);
        // start reading the peer in a later task, so that the ConnectionBind answer goes out first
        peerChannel.eventLoop().execute(() -> decideReading(peerChannel, client));
        return true;
    }

    /** Bytes from the client data connection, to the peer; takes ownership of {@code data}. Client loop. */
    void fromClient(ByteBuf data, Channel client) {
        int length = data.readableBytes();
        peerChannel.writeAndFlush(data, peerChannel.voidPromise());
        relay.allocation().countToPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_PEER, length);
        if (!peerChannel.isWritable()) {
            decideReading(client, peerChannel);
        }
    }

    /** The client data connection's writability changed (client loop): decide the peer's reading on its loop. */
    void clientWritabilityChanged(Channel client) {
        peerChannel.eventLoop().execute(() -> decideReading(peerChannel, client));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel client = clientChannel;
        if (!(msg instanceof ByteBuf data) || client == null || state.get() != State.BOUND) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int length = data.readableBytes();
        client.writeAndFlush(data, client.voidPromise());
        relay.allocation().countFromPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_CLIENT, length);
        if (!client.isWritable()) {
            decideReading(peerChannel, client);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel client = clientChannel;
        if (client != null) {
            client.eventLoop().execute(() -> decideReading(client, peerChannel));
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** On {@code reader}'s loop: it reads while the connection is bound and {@code writer} can take more. */
    private void decideReading(Channel reader, Channel writer) {
        reader.config().setAutoRead(state.get() == State.BOUND && writer.isWritable());
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

    /** Closes both sides (each once what was written to it has gone out) and forgets the connection. */
    void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        ScheduledFuture<?> timer = bindTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        relay.forget(this);
        closeAfterFlush(peerChannel);
        closeAfterFlush(clientChannel);
    }

    private static void closeAfterFlush(Channel channel) {
        if (channel == null) {
            return;
        }
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, DRAIN_SECONDS, TimeUnit.SECONDS);
    }
}
