package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP or TLS client connection. It holds at most one allocation, which ends when the connection closes
 * (RFC 8656 Section 3.1). When the socket's send queue is full, relayed data is dropped rather than queued.
 * It holds a slot of the {@link StreamConnectionLimits} while open. It is settled while it holds an allocation or
 * is a bound data connection (RFC 6062); until then it may be evicted, and it must settle within the auth timeout:
 * a request that merely authenticates (a Binding, a refused Refresh) does not settle it.
 */
final class StreamClientConnection implements ClientConnection {

    private final Channel channel;
    private final FiveTuple fiveTuple;
    private final AtomicBoolean slot = new AtomicBoolean();
    private volatile Allocation allocation;
    private volatile PeerConnection pipe;

    StreamClientConnection(Channel channel, FiveTuple fiveTuple) {
        this.channel = channel;
        this.fiveTuple = fiveTuple;
    }

    @Override
    public FiveTuple fiveTuple() {
        return fiveTuple;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public boolean isStream() {
        return true;
    }

    @Override
    public void send(ByteBuf message) {
        channel.writeAndFlush(message, channel.voidPromise());
    }

    /** True when the socket can take more data now. */
    boolean isWritable() {
        return channel.isWritable();
    }

    /** True while the connection holds an allocation or is a bound data connection. */
    boolean isSettled() {
        return allocation != null || pipe != null;
    }

    void holdSlot() {
        slot.set(true);
    }

    /** True when this call gave the slot up (it was held). */
    boolean releaseSlot() {
        return slot.compareAndSet(true, false);
    }

    boolean holdsSlot() {
        return slot.get();
    }

    void close() {
        channel.close();
    }

    Channel channel() {
        return channel;
    }

    /** The peer connection this data connection is bound to (RFC 6062 ConnectionBind), or null. */
    PeerConnection pipe() {
        return pipe;
    }

    /**
     * Turns this connection into a client data connection (RFC 6062 Section 5.4): from now on its bytes are the
     * peer's stream, not STUN frames, so the framer and the idle timer leave the pipeline (bytes the framer holds
     * pass on to the pipe). Runs on the connection's event loop, inside the read of the ConnectionBind.
     */
    void becomeDataConnection(PeerConnection peer) {
        this.pipe = peer;
        ChannelPipeline p = channel.pipeline();
        if (p.get(IdleStateHandler.class) != null) {
            p.remove(IdleStateHandler.class);
        }
        if (p.get(StunStreamFrameDecoder.class) != null) {
            p.remove(StunStreamFrameDecoder.class);
        }
    }

    @Override
    public Allocation allocation() {
        return allocation;
    }

    @Override
    public void attach(Allocation allocation) {
        this.allocation = allocation;
    }
}
