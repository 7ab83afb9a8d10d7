package io.icemesh.turn.server;

import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/** Reads client datagrams from one UDP listener socket (one per event loop, sharing the port). */
@ChannelHandler.Sharable
final class UdpListenerHandler extends ChannelInboundHandlerAdapter {

    private final ClientPacketHandler packets;
    private final AllocationManager allocations;
    private final TurnMetrics metrics;

    UdpListenerHandler(ClientPacketHandler packets, AllocationManager allocations, TurnMetrics metrics) {
        this.packets = packets;
        this.allocations = allocations;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (packet.content().readableBytes() >= RelayPortAllocator.MAX_DATAGRAM) {
            packet.release();
            metrics.malformed("udp");
            return;
        }
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        FiveTuple tuple = new FiveTuple(packet.sender(), local, TransportProtocol.UDP);
        packets.onPacket(packet.content(), new UdpClientConnection(ctx.channel(), tuple, allocations));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a read error on a datagram socket is per packet; the listener keeps going
        metrics.malformed("udp");
    }
}
