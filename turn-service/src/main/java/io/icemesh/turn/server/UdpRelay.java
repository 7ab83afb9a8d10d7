package io.icemesh.turn.server;

import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.ChannelBinding;
import io.icemesh.turn.allocation.RelayEndpoint;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * An allocation's relay socket (RFC 8656 Section 2.2) and the path from peers to the client: a datagram from a peer
 * with a permission becomes ChannelData when a channel is bound to that peer, else a Data indication
 * (Section 11.3). Runs on the client's event loop, so the send to the client is inline and lock-free. Towards a UDP
 * client the ChannelData header is written into the free bytes before the received datagram and the same buffer
 * goes out: no copy.
 */
final class UdpRelay extends UdpSocket implements RelayEndpoint {

    private final Allocation allocation;
    private final ClientConnection client;
    private volatile InetSocketAddress advertised;

    UdpRelay(Allocation allocation, ClientConnection client, TurnMetrics metrics) {
        super(metrics, "relay");
        this.allocation = allocation;
        this.client = client;
    }

    void advertise(InetSocketAddress address) {
        this.advertised = address;
    }

    @Override
    public InetSocketAddress address() {
        return advertised;
    }

    @Override
    void onDatagram(ByteBuf data, InetSocketAddress peer) {
        long now = System.nanoTime();
        int length = data.readableBytes();
        if (!allocation.hasPermission(peer.getAddress(), now)) {
            drop(data, TurnMetrics.DropReason.NO_PERMISSION);
            return;
        }
        if (!allocation.admitToClient(length, now)) {
            drop(data, TurnMetrics.DropReason.BANDWIDTH);
            return;
        }
        if (client instanceof StreamClientConnection stream && !stream.isWritable()) {
            drop(data, TurnMetrics.DropReason.QUEUE_FULL);
            return;
        }
        ChannelBinding binding = allocation.channelFor(peer, now);
        if (binding != null && client instanceof UdpClientConnection udp
                && data.readerIndex() >= ChannelData.HEADER_LENGTH) {
            int start = data.readerIndex() - ChannelData.HEADER_LENGTH;
            data.setShort(start, binding.number());
            data.setShort(start + 2, length);
            data.readerIndex(start);
            if (!udp.sendNow(data)) {
                return;
            }
        } else {
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
            data.release();
            if (client instanceof UdpClientConnection udp) {
                if (!udp.sendNow(out)) {
                    return;
                }
            } else {
                client.send(out);
            }
        }
        allocation.countFromPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_CLIENT, length);
    }

    private void drop(ByteBuf data, TurnMetrics.DropReason reason) {
        data.release();
        metrics.dropped(reason);
    }
}
