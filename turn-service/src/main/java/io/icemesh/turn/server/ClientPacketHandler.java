package io.icemesh.turn.server;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.ChannelBinding;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * The first stage for every client packet, on any transport. The first byte splits STUN (0-3) from ChannelData
 * (64-79, RFC 7983); anything else, or anything that does not decode, is dropped and counted.
 *
 * <p>The ChannelData path is the hot path: it reads the 4-byte header in place, finds the allocation and channel
 * with lock-free lookups, narrows the same buffer to the payload and sends it from the relay socket. No message
 * object, no copy. Send indications (RFC 8656 Section 11.2) are decoded in full; they are the slow path.
 * Every buffer passed in is released here or handed on.
 */
final class ClientPacketHandler {

    private final TurnRequestHandler requests;
    private final TurnMetrics metrics;

    ClientPacketHandler(TurnRequestHandler requests, TurnMetrics metrics) {
        this.requests = requests;
        this.metrics = metrics;
    }

    /** Handles one datagram or stream frame; takes ownership of {@code packet}. */
    void onPacket(ByteBuf packet, ClientConnection client) {
        int readable = packet.readableBytes();
        if (readable < ChannelData.HEADER_LENGTH) {
            drop(packet, client);
            return;
        }
        int first = packet.getUnsignedByte(packet.readerIndex());
        if (ChannelData.looksLikeChannelData(first)) {
            relayChannelData(packet, client);
        } else if (StunMessageDecoder.looksLikeStun(first)) {
            onStun(packet, client);
        } else {
            drop(packet, client);
        }
    }

    private void relayChannelData(ByteBuf packet, ClientConnection client) {
        int start = packet.readerIndex();
        int channel = packet.getUnsignedShort(start);
        int length = ChannelData.payloadLength(channel, packet.getUnsignedShort(start + 2), packet.readableBytes());
        if (length < 0) {
            drop(packet, client);
            return;
        }
        Allocation allocation = client.allocation();
        if (allocation == null || !(allocation.relay() instanceof UdpRelay relay)) {
            dropRelayed(packet, TurnMetrics.DropReason.NO_ALLOCATION);
            return;
        }
        long now = System.nanoTime();
        ChannelBinding binding = allocation.channel(channel, now);
        if (binding == null) {
            dropRelayed(packet, TurnMetrics.DropReason.NO_CHANNEL);
            return;
        }
        InetSocketAddress peer = binding.peer();
        if (!allocation.hasPermission(peer.getAddress(), now)) {
            dropRelayed(packet, TurnMetrics.DropReason.NO_PERMISSION);
            return;
        }
        if (!allocation.admitToPeer(length, now)) {
            dropRelayed(packet, TurnMetrics.DropReason.BANDWIDTH);
            return;
        }
        packet.setIndex(start + ChannelData.HEADER_LENGTH, start + ChannelData.HEADER_LENGTH + length);
        if (!relay.sendData(packet, peer)) {
            return;
        }
        allocation.countToPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_PEER, length);
    }

    private void onStun(ByteBuf packet, ClientConnection client) {
        StunMessage message;
        try {
            byte[] bytes = new byte[packet.readableBytes()];
            packet.readBytes(bytes);
            message = StunMessageDecoder.decode(bytes);
        } finally {
            packet.release();
        }
        if (message == null) {
            metrics.malformed(client.transportLabel());
            return;
        }
        int messageClass = message.messageClass();
        if (messageClass == StunMessageType.CLASS_REQUEST) {
            requests.handle(message, client);
        } else if (messageClass == StunMessageType.CLASS_INDICATION && message.method() == StunMessageType.METHOD_SEND) {
            metrics.request("send");
            sendIndication(message, client);
        } else if (messageClass == StunMessageType.CLASS_INDICATION) {
            // Data indications and the like only ever go from server to client
            metrics.ignored(TurnMetrics.Ignored.INDICATION);
        } else {
            // the server sends no requests, so a response to it answers nothing
            metrics.ignored(TurnMetrics.Ignored.RESPONSE);
        }
    }

    /** Send indication (RFC 8656 Section 11.2): silently dropped unless allocation and permission exist. */
    private void sendIndication(StunMessage message, ClientConnection client) {
        Allocation allocation = client.allocation();
        if (allocation == null || !(allocation.relay() instanceof UdpRelay relay)) {
            metrics.dropped(TurnMetrics.DropReason.NO_ALLOCATION);
            return;
        }
        InetSocketAddress peer = XorAddress.decode(message, StunAttributeType.XOR_PEER_ADDRESS);
        int data = message.indexOf(StunAttributeType.DATA);
        if (peer == null || data < 0) {
            metrics.malformed(client.transportLabel());
            return;
        }
        long now = System.nanoTime();
        if (!allocation.hasPermission(peer.getAddress(), now)) {
            metrics.dropped(TurnMetrics.DropReason.NO_PERMISSION);
            return;
        }
        int length = message.valueLength(data);
        if (!allocation.admitToPeer(length, now)) {
            metrics.dropped(TurnMetrics.DropReason.BANDWIDTH);
            return;
        }
        ByteBuf payload = client.alloc().directBuffer(length);
        payload.writeBytes(message.bytes(), message.valueOffset(data), length);
        if (!relay.sendData(payload, peer)) {
            return;
        }
        allocation.countToPeer(length);
        metrics.relayed(TurnMetrics.Direction.TO_PEER, length);
    }

    private void drop(ByteBuf packet, ClientConnection client) {
        packet.release();
        metrics.malformed(client.transportLabel());
    }

    private void dropRelayed(ByteBuf packet, TurnMetrics.DropReason reason) {
        packet.release();
        metrics.dropped(reason);
    }
}
