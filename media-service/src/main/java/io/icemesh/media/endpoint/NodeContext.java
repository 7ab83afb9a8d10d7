package io.icemesh.media.endpoint;

import io.icemesh.media.dtls.DtlsCertificate;
import io.icemesh.media.ice.IceHarvesters;
import io.icemesh.media.srtp.SrtpProfile;
import io.icemesh.media.srtp.SrtpSession;
import java.time.Duration;
import java.util.List;

/**
 * What every endpoint of a node shares: the UDP port, the certificate, the candidates to advertise, limits, and where
 * packets and outcomes go.
 *
 * @param harvesters the shared UDP sockets
 * @param certificate the node's DTLS certificate
 * @param candidateLines a=candidate values for the node's addresses
 * @param srtpProfiles profiles in order of preference
 * @param dtlsHandshakeTimeout handshake bound
 * @param maxSsrcsPerEndpoint SRTP contexts per direction at most
 * @param packets where RTP and RTCP go after demultiplexing
 * @param observer outcomes and firsts, for events and metrics
 */
public record NodeContext(IceHarvesters harvesters, DtlsCertificate certificate, List<String> candidateLines,
        List<SrtpProfile> srtpProfiles, Duration dtlsHandshakeTimeout, int maxSsrcsPerEndpoint, PacketSink packets,
        EndpointObserver observer) {

    /** Receives an endpoint's RTP and RTCP (still protected) on the receive thread. */
    public interface PacketSink {
        void rtp(Endpoint from, byte[] buf, int offset, int length);

        void rtcp(Endpoint from, byte[] buf, int offset, int length);

        /** A datagram that is neither DTLS, RTP nor RTCP, or arrived before keys existed. */
        void dropped(Endpoint from, String reason);

        /**
         * The endpoint's DTLS completed and {@code keys} are its SRTP contexts, not yet published to the receive
         * threads: called on its DTLS thread, the only one that may send with them until this returns. Returns
         * whether it sent RTP.
         */
        default boolean keysReady(Endpoint endpoint, SrtpSession keys) {
            return false;
        }
    }
}
