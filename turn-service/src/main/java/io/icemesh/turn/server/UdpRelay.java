package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.ChannelBinding;
import io.icemesh.turn.allocation.RelayEndpoint;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunMessageDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * An allocation's relay socket (RFC 8656 Section 2.2) and the path from peers to the client: a datagram from a peer
 * with a permission becomes ChannelData when a channel is bound to that peer, else a Data indication
 * (Section 11.3). Runs on the client's event loop, so the write to the client is inline and lock-free.
 */
final class UdpRelay extends ChannelInboundHandlerAdapter implements RelayEndpoint {

    private final Allocation allocation;
    private final ClientConnection client;
    private final TurnMetrics metrics;
    private volatile Channel channel;
    private volatile InetSocketAddress advertised;

    UdpRelay(Allocation allocation, ClientConnection client, TurnMetrics metrics) {
        this.allocation = allocation;
        this.client = client;
        this.metrics = metrics;
    }

    void bound(Channel channel, InetSocketAddress advertised) {
        this.channel = channel;
        this.advertised = advertised;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public InetSocketAddress address() {
        return advertised;
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }

    /** Sends a datagram to a peer; takes ownership of {@code payload}. */
    void sendToPeer(ByteBuf payload, InetSocketAddress peer) {
        Channel c = channel;
        if (c == null || !c.isWritable()) {
            payload.release();
            metrics.dropped(TurnMetrics.DropReason.QUEUE_FULL);
            return;
        }
        WriteBatch.write(c, new DatagramPacket(payload, peer));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf data = packet.content();
        try {
            if (data.readableBytes() >= RelayPortAllocator.MAX_DATAGRAM) {
                metrics.malformed("relay");
                return;
            }
            relayToClient(packet.sender(), data);
        } finally {
            data.release();
        }
    }

    private void relayToClient(InetSocketAddress peer, ByteBuf data) {
        long now = System.nanoTime();
        int length = data.readableBytes();
        if (!allocation.hasPermission(peer.getAddress(), now)) {
            metrics.dropped(TurnMetrics.DropReason.NO_PERMISSION);
            return;
        }
        if (!allocation.admitToClient(length, now)) {
            metrics.dropped(TurnMetrics.DropReason.BANDWIDTH);
            return;
        }
        if (client instanceof StreamClientConnection stream && !stream.isWritable()) {
            metrics.dropped(TurnMetrics.DropReason.QUEUE_FULL);
            return;
        }
        ChannelBinding binding = allocation.channelFor(peer, now);
        ByteBuf out;
        if (binding != null) {
            int padded = client.isStream() ? StunMessageDecoder.padded(length) : length;
            out = client.alloc().directBuffer(ChannelData.HEADER_LENGTH + padded);
            out.writeShort(binding.number());
            out.writeShort(length);
            out.writeBytes(data, data.readerIndex(), length);
            out.writeZero(padded - length);
        } else {
            out = DataIndicationEncoder.encode(client.alloc(), peer, data, length);
        }
        client.send(out);
        allocation.countFromPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_CLIENT, length);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors surface as PortUnreachableException on connected sockets only; the relay socket is
        // unconnected, so anything here is unexpected but must not close the relay.
        metrics.malformed("relay");
    }
}
