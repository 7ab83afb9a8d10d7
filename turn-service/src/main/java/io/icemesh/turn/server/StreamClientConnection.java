package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * A TCP or TLS client connection. It holds at most one allocation, which ends when the connection closes
 * (RFC 8656 Section 3.1). When the socket's send queue is full, relayed data is dropped rather than queued.
 */
final class StreamClientConnection implements ClientConnection {

    private final Channel channel;
    private final FiveTuple fiveTuple;
    private volatile Allocation allocation;

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

    @Override
    public Allocation allocation() {
        return allocation;
    }

    @Override
    public void attach(Allocation allocation) {
        this.allocation = allocation;
    }
}
