package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/** A UDP client: datagrams go out of the listener socket that received the client's packets. */
final class UdpClientConnection implements ClientConnection {

    private final UdpListener listener;
    private final FiveTuple fiveTuple;
    private final AllocationManager allocations;

    UdpClientConnection(UdpListener listener, FiveTuple fiveTuple, AllocationManager allocations) {
        this.listener = listener;
        this.fiveTuple = fiveTuple;
        this.allocations = allocations;
    }

    @Override
    public FiveTuple fiveTuple() {
        return fiveTuple;
    }

    @Override
    public EventLoop eventLoop() {
        return listener.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    @Override
    public boolean isStream() {
        return false;
    }

    /** An answer, sent at once; a full socket buffer loses it, like the network would. */
    @Override
    public void send(ByteBuf message) {
        listener.send(message, fiveTuple.client());
    }

    /** Relayed data, sent at once (releases {@code message}); false when it was dropped, which is counted. */
    boolean sendNow(ByteBuf message) {
        return listener.sendData(message, fiveTuple.client());
    }

    @Override
    public Allocation allocation() {
        return allocations.get(fiveTuple);
    }

    @Override
    public void attach(Allocation allocation) {
        // UDP allocations are found by 5-tuple
    }
}
