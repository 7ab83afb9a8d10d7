package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One TCP or TLS client connection. Frames go to the {@link ClientPacketHandler}; when the connection closes its
 * allocation is deleted (RFC 8656 Section 3.1), and a connection idle without an allocation is closed.
 */
final class StreamClientHandler extends ChannelInboundHandlerAdapter {

    private final ClientPacketHandler packets;
    private final AllocationManager allocations;
    private final TurnMetrics metrics;
    private final TransportProtocol transport;
    private StreamClientConnection connection;

    StreamClientHandler(ClientPacketHandler packets, AllocationManager allocations, TurnMetrics metrics,
            TransportProtocol transport) {
        this.packets = packets;
        this.allocations = allocations;
        this.metrics = metrics;
        this.transport = transport;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connection = new StreamClientConnection(ctx.channel(), new FiveTuple((InetSocketAddress) ctx.channel().remoteAddress(),
                (InetSocketAddress) ctx.channel().localAddress(), transport));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame && connection != null) {
            packets.onPacket(frame, connection);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && (connection == null || connection.allocation() == null)) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (connection != null) {
            Allocation allocation = connection.allocation();
            if (allocation != null) {
                allocations.remove(allocation, AllocationManager.EndReason.DELETED);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // bad TLS records are malformed input; resets and other I/O errors are just the client going away
        if (cause instanceof io.netty.handler.codec.DecoderException) {
            metrics.malformed(transport.label());
        }
        ctx.close();
    }
}
