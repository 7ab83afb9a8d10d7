package io.icemesh.media.ice;

import io.icemesh.media.sdp.Candidate;
import java.beans.PropertyChangeEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * m-line on it. Its local candidates are the node's shared single-port sockets; the client's addresses are learned
 * from its checks (peer-reflexive), see {@link #start}.
 */
public final class IceSession implements AutoCloseable {

    /** Told once how ICE ended. */
    public interface Listener {
        /** ICE reached COMPLETED with this pair. */
        void iceConnected(IceSession session, String localType, String remoteType, String remoteAddress);

        /** ICE failed. */
        void iceFailed(IceSession session, String reason);
    }

    /** ice4j's pacing interval Ta once ICE completed (RFC 8445 section 14.2 leaves it to the implementation). */
    static final long COMPLETED_TA_MILLIS = 500;
    /**
     * Ta until then: RFC 8445 section 14.2's floor. The agent has no remote candidate of its own (see {@link #start}):
     * it only sends the triggered check that answers a client's check (RFC 8445 section 7.3.1.4), and that check, whose
     * success is what ICE completes on here, waits for the pacer's next beat: up to ice4j's default 20 ms.
     */
    static final long CONNECTING_TA_MILLIS = 5;

    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    private final Listener listener;
    private final PeerNetworks peers;
    private final ConsentChecks consent;
    private volatile boolean reported;
    /** The client's candidates from its description by address, with their types ("host", "srflx", "relay"). */
    private volatile Map<InetSocketAddress, String> offeredTypes = Map.of();

    public IceSession(IceHarvesters harvesters, BufferHandler payloadHandler, Listener listener) throws IOException {
        this.listener = listener;
        this.peers = harvesters.peers();
        agent = new FreeableAgent();
        agent.setControlling(false);
        agent.setTa(CONNECTING_TA_MILLIS);
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

    /**
     * Sets the client's credentials and starts ICE. The candidates in the client's description are only remembered
     * (to name the type of the pair that connects), not checked: a check the SFU sends to an address the client has
     * not checked from yet is lost, since the node's single-port socket drops every packet from an unknown address
     * that is not a Binding request naming one of its ufrags, answers included. Such checks fail, and ice4j then
     * fails the whole agent 5 s later (for good) unless a client check nominated a pair by then: a client that got
     * the SFU's answer late (a loaded signaling path) would lose its connection before it sent a check. So the agent
     * starts with no remote candidate, learns the client's addresses from its checks (peer-reflexive, each answered
     * by a triggered check, RFC 8445 section 7.3.1.4), and waits for them up to the connect timeout.
     */
    public void start(String remoteUfrag, String remotePassword, List<Candidate> candidates) {
        stream.setRemoteUfrag(remoteUfrag);
        stream.setRemotePassword(remotePassword);
        Map<InetSocketAddress, String> types = new HashMap<>();
        for (Candidate c : candidates) {
            if (c.component() != Component.RTP || !"udp".equalsIgnoreCase(c.transport())) {
                continue;
            }
            InetAddress address = c.inetAddress();
            if (address != null && peers.allows(address)) {
                types.putIfAbsent(new InetSocketAddress(address, c.port()), typeName(candidateType(c.type())));
            }
        }
        offeredTypes = Map.copyOf(types);
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
     * The client's payload came from this address (called by the receive thread for every datagram). When it came
     * is the endpoint's last activity, which the consent lines below are given.
     */
    public void payloadFrom(java.net.SocketAddress from, long nowNanos) {
        consent.payloadFrom(from, nowNanos);
    }

    /**
     * A line on why consent is running out (the client answered no check for over two and a half intervals): each
     * checked address with its pair's state and counts, the selected pair, where payload last came from. At most
     * once per interval; null when all is well.
     */
    public String consentWarning(long nowNanos, long intervalNanos, long lastPayloadNanos) {
        return consent.warning(nowNanos, intervalNanos, lastPayloadNanos);
    }

    /** How long the client has answered no consent check, in ms; 0 before ICE completed. */
    public long consentSilenceMillis(long nowNanos) {
        return consent.silenceNanos(nowNanos) / 1_000_000L;
    }

    /** {@link #consentWarning}'s text, now, whatever the silence. */
    public String consentState(long nowNanos, long lastPayloadNanos) {
        return consent.describe(nowNanos, lastPayloadNanos);
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
            // ice4j's check pacer keeps firing every Ta (5 ms here) until the agent terminates, 30 s after completion
            // (IceHarvesters: termination-delay), each time handing a task from its timer thread to its executor:
            // with 200 endpoints a third of the node's CPU for 30 s after a join (docs/benchmarks.md). After
            // completion it only sends the triggered checks of pairs a client moves to, which may wait this long.
            agent.setTa(COMPLETED_TA_MILLIS);
            consent.connected(System.nanoTime());
            CandidatePair pair = component.getSelectedPair();
            String local = pair == null ? "host" : typeName(pair.getLocalCandidate().getType());
            String remote = pair == null ? "prflx" : remoteType(pair.getRemoteCandidate());
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

    /**
     * The type of the client's candidate this pair reached: the one the client's description gave for that address,
     * since the agent learns every address from a check (peer-reflexive) and would otherwise call them all prflx.
     */
    private String remoteType(RemoteCandidate candidate) {
        TransportAddress a = candidate.getTransportAddress();
        String offered = offeredTypes.get(new InetSocketAddress(a.getAddress(), a.getPort()));
        return offered != null ? offered : typeName(candidate.getType());
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
