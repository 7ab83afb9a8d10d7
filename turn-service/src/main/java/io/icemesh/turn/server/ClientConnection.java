package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;

/** The client side of a 5-tuple: how to answer a client and which event loop owns it. */
public interface ClientConnection {

    FiveTuple fiveTuple();

    /** The event loop that reads this client; its allocation's relay socket lives on the same loop. */
    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** True on TCP and TLS, where ChannelData is padded to 4 bytes (RFC 8656 Section 12.5). */
    boolean isStream();

    /** Sends a message to the client; takes ownership of the buffer (released when written or dropped). */
    void send(ByteBuf message);

    /** Sends an encoded STUN message. */
    default void send(byte[] message) {
        send(Unpooled.wrappedBuffer(message));
    }

    /** The allocation of this 5-tuple, or null. */
    Allocation allocation();

    /** Remembers the allocation (stream connections hold at most one); a no-op where lookup is by 5-tuple. */
    void attach(Allocation allocation);

    /** Metric label of the transport: udp, tcp or tls. */
    default String transportLabel() {
        return fiveTuple().transport().label();
    }
}
