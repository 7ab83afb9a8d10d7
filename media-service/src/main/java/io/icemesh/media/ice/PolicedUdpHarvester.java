package io.icemesh.media.ice;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.AbstractUdpListener;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;
import org.jboss.logging.Logger;

/**
 * ice4j's single-port harvester that ignores connectivity checks from outside the allowed {@link PeerNetworks}, with
 * the receive buffer of its socket set here: ice4j takes the size from its own configuration, read once per process
 * (Typesafe Config), while ours is per node and per test.
 */
final class PolicedUdpHarvester extends SinglePortUdpHarvester {

    private static final Logger LOG = Logger.getLogger(PolicedUdpHarvester.class);

    private final PeerNetworks peers;

    /** {@code receiveBufferBytes} 0 keeps the OS default. */
    PolicedUdpHarvester(TransportAddress localAddress, PeerNetworks peers, int receiveBufferBytes) throws IOException {
        super(localAddress);
        this.peers = peers;
        if (receiveBufferBytes > 0) {
            DatagramSocket socket = receiveSocket(this);
            socket.setReceiveBufferSize(receiveBufferBytes);
            int got = socket.getReceiveBufferSize();
            if (got < receiveBufferBytes) {
                LOG.warnf("UDP receive buffer of %s is %d bytes, not the %d of icemesh.media.ice.receive-buffer-bytes:"
                        + " the kernel caps it at net.core.rmem_max; raise that sysctl on this node", localAddress, got,
                        receiveBufferBytes);
            }
        }
    }

    /** The socket ice4j reads every endpoint's datagrams from (a private field of its AbstractUdpListener). */
    static DatagramSocket receiveSocket(AbstractUdpListener listener) throws IOException {
        try {
            Field f = AbstractUdpListener.class.getDeclaredField("receiveSocket");
            f.setAccessible(true);
            return (DatagramSocket) f.get(listener);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("ice4j's AbstractUdpListener has no receiveSocket field to size", e);
        }
    }

    @Override
    protected MySocket maybeAcceptNewSession(Buffer buf, InetSocketAddress remoteAddress, String ufrag) {
        if (!peers.allows(remoteAddress.getAddress())) {
            return null;
        }
        return super.maybeAcceptNewSession(buf, remoteAddress, ufrag);
    }
}
