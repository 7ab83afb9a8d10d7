package io.icemesh.turn.server;

import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * One UDP listener socket (one per event loop, sharing the port through SO_REUSEPORT): client datagrams go to the
 * {@link ClientPacketHandler}, and answers and relayed data go back out of the same socket.
 */
final class UdpListener extends UdpSocket {

    private final ClientPacketHandler packets;
    private final AllocationManager allocations;
    /**
     * Known from the start: a first datagram that had to look it up would take a branch the warm-up's compiled code
     * (made on another listener) treats as never taken, and throw that code away.
     */
    private final InetSocketAddress local;
    /** The last sender and its connection: the JDK hands out the same address object while the sender repeats. */
    private InetSocketAddress lastSender;
    private UdpClientConnection lastConnection;

    UdpListener(ClientPacketHandler packets, AllocationManager allocations, TurnMetrics metrics,
            InetSocketAddress local) {
        super(metrics, "udp");
        this.packets = packets;
        this.allocations = allocations;
        this.local = local;
    }

    @Override
    void onDatagram(ByteBuf data, InetSocketAddress sender) {
        UdpClientConnection connection = lastConnection;
        if (sender != lastSender || connection == null) {
            connection = new UdpClientConnection(this, new FiveTuple(sender, local, TransportProtocol.UDP),
                    allocations);
            lastSender = sender;
            lastConnection = connection;
        }
        packets.onPacket(data, connection);
    }
}
