package io.icemesh.media.ice;

import io.icemesh.media.sdp.Candidate;
import java.beans.PropertyChangeEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.IceProcessingState;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.RemoteCandidate;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.BufferHandler;

/**
 * One endpoint's ICE agent: full ICE in the controlled role (RFC 8445 section 6.1.1; the browser, as offerer of
 * the first exchange, controls and nominates), one stream with one component since BUNDLE and rtcp-mux put every
 * m-line on it. Its local candidates are the node's shared single-port sockets; the client's address is learned
 * from its checks (peer-reflexive) or from candidates in its offer.
 */
public final class IceSession implements AutoCloseable {

    /** Told once how ICE ended. */
    public interface Listener {
        /** ICE reached COMPLETED with this pair. */
        void iceConnected(IceSession session, String localType, String remoteType, String remoteAddress);

        /** ICE failed. */
        void iceFailed(IceSession session, String reason);
    }

    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    private final Listener listener;
    private final PeerNetworks peers;
    private final ConsentChecks consent;
    private volatile boolean reported;

    public IceSession(IceHarvesters harvesters, BufferHandler payloadHandler, Listener listener) throws IOException {
        this.listener = listener;
        this.peers = harvesters.peers();
        agent = new Agent();
        agent.setControlling(false);
        // Consent freshness is ours (ConsentChecks): ice4j's would fail answered pairs on a timer race.
        agent.setPerformConsentFreshness(false);
        agent.setUseDynamicPorts(false);
        for (SinglePortUdpHarvester h : harvesters.harvesters()) {
            agent.addCandidateHarvester(h);
        }
        stream = agent.createMediaStream("bundle");
        component = agent.createComponent(stream, KeepAliveStrategy.ALL_SUCCEEDED, false);
        component.setBufferCallback(payloadHandler);
        consent = new ConsentChecks(agent, stream, component);
        agent.addStateChangeListener(this::stateChanged);
    }

    public String localUfrag() {
        return agent.getLocalUfrag();
    }

    public String localPassword() {
        return agent.getLocalPassword();
    }

    /** Sets the client's credentials and candidates and starts connectivity checks. */
    public void start(String remoteUfrag, String remotePassword, List<Candidate> candidates) {
        stream.setRemoteUfrag(remoteUfrag);
        stream.setRemotePassword(remotePassword);
        for (Candidate c : candidates) {
            if (c.component() != Component.RTP || !"udp".equalsIgnoreCase(c.transport())) {
                continue;
            }
            InetAddress address = c.inetAddress();
            if (address == null || !peers.allows(address)) {
                continue;
            }
            component.addRemoteCandidate(new RemoteCandidate(new TransportAddress(address, c.port(), Transport.UDP),
                    component, candidateType(c.type()), c.foundation(), c.priority(), null));
        }
        agent.startConnectivityEstablishment();
    }

    /** Sends on the selected pair (payload: DTLS, SRTP, SRTCP). */
    public void send(byte[] buf, int offset, int length) throws IOException {
        component.send(buf, offset, length);
    }

    /**
     * Sends the client RFC 7675 consent checks when due (on each pair ICE validated, every {@code intervalNanos}
     * randomised by 0.8-1.2); for a timer that calls it several times per interval. Nothing before ICE completed.
     */
    public void checkConsent(long nowNanos, long intervalNanos) {
        consent.tick(nowNanos, intervalNanos);
    }

    /**
     * Whether the client's consent to receive (RFC 7675) has expired: ICE completed, and the client has answered no
     * consent check for longer than {@code timeoutNanos} (30 s in the RFC). The SFU must then stop sending to it.
     */
    public boolean consentExpired(long nowNanos, long timeoutNanos) {
        return consent.silenceNanos(nowNanos) > timeoutNanos;
    }

    /** Whether ICE completed. */
    public boolean connected() {
        IceProcessingState s = agent.getState();
        return s == IceProcessingState.COMPLETED || s == IceProcessingState.TERMINATED;
    }

    private void stateChanged(PropertyChangeEvent event) {
        if (!Agent.PROPERTY_ICE_PROCESSING_STATE.equals(event.getPropertyName()) || reported) {
            return;
        }
        Object state = event.getNewValue();
        if (state == IceProcessingState.COMPLETED) {
            reported = true;
            consent.connected(System.nanoTime());
            CandidatePair pair = component.getSelectedPair();
            String local = pair == null ? "host" : typeName(pair.getLocalCandidate().getType());
            String remote = pair == null ? "prflx" : typeName(pair.getRemoteCandidate().getType());
            String address = pair == null ? null : pair.getRemoteCandidate().getTransportAddress().toString();
            listener.iceConnected(this, local, remote, address);
        } else if (state == IceProcessingState.FAILED) {
            reported = true;
            listener.iceFailed(this, "ice-failed");
        }
    }

    /** Reports a failure if ICE has not completed by now (the caller's connect timeout). */
    public void timeoutIfNotConnected() {
        if (!reported && !connected()) {
            reported = true;
            listener.iceFailed(this, "ice-timeout");
        }
    }

    private static CandidateType candidateType(String sdpType) {
        return switch (sdpType) {
            case "srflx" -> CandidateType.SERVER_REFLEXIVE_CANDIDATE;
            case "prflx" -> CandidateType.PEER_REFLEXIVE_CANDIDATE;
            case "relay" -> CandidateType.RELAYED_CANDIDATE;
            default -> CandidateType.HOST_CANDIDATE;
        };
    }

    private static String typeName(CandidateType type) {
        return switch (type) {
            case SERVER_REFLEXIVE_CANDIDATE -> "srflx";
            case PEER_REFLEXIVE_CANDIDATE -> "prflx";
            case RELAYED_CANDIDATE -> "relay";
            default -> "host";
        };
    }

    @Override
    public void close() {
        agent.free();
    }
}
