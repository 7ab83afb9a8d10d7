package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;

/** A UDP client: datagrams go out of the listener socket that received the client's packets. */
final class UdpClientConnection implements ClientConnection {

    private final Channel listener;
    private final FiveTuple fiveTuple;
    private final AllocationManager allocations;

    UdpClientConnection(Channel listener, FiveTuple fiveTuple, AllocationManager allocations) {
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
        return listener.alloc();
    }

    @Override
    public boolean isStream() {
        return false;
    }

    @Override
    public void send(ByteBuf message) {
        WriteBatch.write(listener, new DatagramPacket(message, fiveTuple.client()));
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
