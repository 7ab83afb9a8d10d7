package io.icemesh.media.ice;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.AbstractUdpListener;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;

/**
 * The node's single UDP port: one ice4j {@link SinglePortUdpHarvester} per bound address, shared by every endpoint's
 * ICE agent and demultiplexed by ICE ufrag, then by remote address. Payload reaches endpoints through ice4j's push
 * API on the harvester's own thread (no per-endpoint reader threads).
 */
public final class IceHarvesters implements AutoCloseable {

    static {
        configureIce4j();
    }


    private final List<SinglePortUdpHarvester> harvesters;
    private final int port;
    private final PeerNetworks peers;

    private IceHarvesters(List<SinglePortUdpHarvester> harvesters, int port, PeerNetworks peers) {
        this.harvesters = harvesters;
        this.port = port;
        this.peers = peers;
    }

    /** Where clients may connect from. */
    public PeerNetworks peers() {
        return peers;
    }

    /**
     * Sets ice4j's process-wide options before any of its classes read them: push API on, and no mapping harvester
     * that probes the network (ice4j's AWS harvester would query the EC2 metadata address; public addresses come
     * from our own configuration instead).
     */
    public static synchronized void configureIce4j() {
        System.setProperty("ice4j.harvest.mapping.aws.enabled", "false");
        System.setProperty("ice4j.harvest.udp.use-dynamic-ports", "false");
        System.setProperty("ice4j.software", "");
        // A browser may move to another succeeded pair after ICE completed (a better one found late, or the first
        // one stalled): answer its checks on every succeeded pair (KeepAliveStrategy.ALL_SUCCEEDED in IceSession),
        // send where its payload last came from, and keep accepting new (peer-reflexive) pairs for a while.
        System.setProperty("ice4j.send-to-last-received-from-address", "true");
        System.setProperty("ice4j.ice.termination-delay", "30 seconds");
        AbstractUdpListener.USE_PUSH_API = true;
        PacketPool.install();
    }

    /**
     * Binds the port. A wildcard address binds one socket per non-loopback interface address on {@code port}
     * (which must then be fixed; ice4j's allowed/blocked address settings apply); a concrete address binds just that one, and port 0 picks a free port.
     */
    public static IceHarvesters bind(String bindAddress, int port, PeerNetworks peers) throws IOException {
        return bind(bindAddress, port, peers, 0);
    }

    /**
     * As {@link #bind(String, int, PeerNetworks)}, with the sockets' receive buffer set to {@code receiveBufferBytes}
     * (0 keeps the OS default; the kernel caps it at net.core.rmem_max).
     */
    public static IceHarvesters bind(String bindAddress, int port, PeerNetworks peers, int receiveBufferBytes)
            throws IOException {
        InetAddress address = InetAddress.getByName(bindAddress);
        List<SinglePortUdpHarvester> list = new ArrayList<>();
        if (address.isAnyLocalAddress()) {
            if (port == 0) {
                throw new IOException("a wildcard bind address needs a fixed UDP port");
            }
            for (TransportAddress a : AbstractUdpListener.getAllowedAddresses(port)) {
                list.add(new PolicedUdpHarvester(a, peers, receiveBufferBytes));
            }
            if (list.isEmpty()) {
                throw new IOException("no interface address to bind UDP port " + port + " on");
            }
            return new IceHarvesters(List.copyOf(list), port, peers);
        }
        SinglePortUdpHarvester h = new PolicedUdpHarvester(new TransportAddress(address, port, Transport.UDP), peers,
                receiveBufferBytes);
        list.add(h);
        return new IceHarvesters(List.copyOf(list), h.getLocalAddress().getPort(), peers);
    }

    public List<SinglePortUdpHarvester> harvesters() {
        return harvesters;
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** The bound addresses, for host candidates in SDP. */
    public List<InetAddress> addresses() {
        List<InetAddress> out = new ArrayList<>();
        for (SinglePortUdpHarvester h : harvesters) {
            out.add(h.getLocalAddress().getAddress());
        }
        return out;
    }

    @Override
    public void close() {
        for (SinglePortUdpHarvester h : harvesters) {
            h.close();
        }
    }
}
