package io.icemesh.media.ice;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;

/** ice4j's single-port harvester that ignores connectivity checks from outside the allowed {@link PeerNetworks}. */
final class PolicedUdpHarvester extends SinglePortUdpHarvester {

    private final PeerNetworks peers;

    PolicedUdpHarvester(TransportAddress localAddress, PeerNetworks peers) throws IOException {
        super(localAddress);
        this.peers = peers;
    }

    @Override
    protected MySocket maybeAcceptNewSession(Buffer buf, InetSocketAddress remoteAddress, String ufrag) {
        if (!peers.allows(remoteAddress.getAddress())) {
            return null;
        }
        return super.maybeAcceptNewSession(buf, remoteAddress, ufrag);
    }
}
