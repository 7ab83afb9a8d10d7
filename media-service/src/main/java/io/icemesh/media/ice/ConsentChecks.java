package io.icemesh.media.ice;

import java.util.concurrent.ThreadLocalRandom;
import org.ice4j.ResponseCollector;
import org.ice4j.StunResponseEvent;
import org.ice4j.StunTimeoutEvent;
import org.ice4j.TransportAddress;
import org.ice4j.attribute.AttributeFactory;
import org.ice4j.attribute.MessageIntegrityAttribute;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.CandidateType;
import org.ice4j.ice.Component;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.message.MessageFactory;
import org.ice4j.message.Request;
import org.ice4j.message.Response;
import org.ice4j.stack.TransactionID;
import org.jboss.logging.Logger;

/**
 * Consent freshness (RFC 7675) for one ICE agent, run by the SFU rather than by ice4j: after ICE completes, a STUN
 * Binding request on the selected pair and each other pair ICE validated, every consent interval (randomised to
 * 0.8-1.2 times it, section 5.1), retransmitted until the next one is due; consent lasts as long as the last success
 * response is younger than the consent timeout (30 s in the RFC).
 *
 * <p>Why not ice4j's own consent checks: its client transaction sends a request before it starts its retransmission
 * timer, so a response that arrives in between (well under a millisecond on a short path) cancels a timer not yet
 * started; the timer then runs anyway and reports a timeout that sets a pair whose client answered to FAILED until
 * its next check (and, for a pair whose last check was a connectivity check, for good). Here a timeout decides
 * nothing: only the time since the last answer does.
 */
final class ConsentChecks implements ResponseCollector {

    private static final Logger LOG = Logger.getLogger(ConsentChecks.class);
    /** Retransmission interval of a check, at most (ice4j's first retransmissions of a transaction come sooner). */
    private static final int RETRANSMIT_MILLIS = 500;

    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    /** When the client last answered: a success response to a consent check, or ICE completing. */
    private volatile long lastAnswerNanos;
    private volatile boolean connected;
    private boolean scheduled;
    private long nextCheckNanos;

    ConsentChecks(Agent agent, IceMediaStream stream, Component component) {
        this.agent = agent;
        this.stream = stream;
        this.component = component;
    }

    /** ICE completed: its checks were the first consent (section 5.1); the first consent check follows in an interval. */
    synchronized void connected(long nowNanos) {
        lastAnswerNanos = nowNanos;
        scheduled = false;
        connected = true;
    }

    /**
     * Sends the checks when they are due and schedules the next ones; for a timer that calls it more often than
     * {@code intervalNanos}. Nothing before ICE completed.
     */
    synchronized void tick(long nowNanos, long intervalNanos) {
        if (!connected || (scheduled && nowNanos - nextCheckNanos < 0)) {
            return;
        }
        boolean due = scheduled;
        scheduled = true;
        nextCheckNanos = nowNanos + (long) (intervalNanos * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
        if (!due) {
            return; // the first check goes one interval after ICE completed
        }
        int retransmissions = (int) Math.max(0, intervalNanos / 1_000_000L / RETRANSMIT_MILLIS - 1);
        // Every pair ICE validated, not only those ice4j still calls SUCCEEDED: the same timer race fails pairs
        // after their connectivity checks too, and nothing of ice4j's sets them back once ICE completed. The check
        // list is a Vector its threads add peer-reflexive pairs to: copy it under its lock.
        CandidatePair selected = component.getSelectedPair();
        if (selected != null) {
            send(selected, retransmissions);
        }
        for (CandidatePair pair : stream.getCheckList().toArray(new CandidatePair[0])) {
            if (pair != selected && pair.getParentComponent() == component && pair.isValid()) {
                send(pair, retransmissions);
            }
        }
    }

    /** How long the client has not answered; 0 before ICE completed. */
    long silenceNanos(long nowNanos) {
        return connected ? nowNanos - lastAnswerNanos : 0;
    }

    private void send(CandidatePair pair, int retransmissions) {
        String media = stream.getName();
        String username = agent.generateLocalUserName(media);
        if (username == null) {
            return;
        }
        Request request = MessageFactory.createBindingRequest();
        request.putAttribute(AttributeFactory.createPriorityAttribute(
                pair.getLocalCandidate().computePriorityForType(CandidateType.PEER_REFLEXIVE_CANDIDATE)));
        request.putAttribute(AttributeFactory.createIceControlledAttribute(agent.getTieBreaker()));
        request.putAttribute(AttributeFactory.createUsernameAttribute(username));
        MessageIntegrityAttribute integrity = AttributeFactory.createMessageIntegrityAttribute(username);
        integrity.setMedia(media); // signed with the client's password, which the agent holds for the stream
        request.putAttribute(integrity);
        TransactionID id = TransactionID.createNewTransactionID();
        id.setApplicationData(pair);
        TransportAddress remote = pair.getRemoteCandidate().getTransportAddress();
        try {
            agent.getStunStack().sendRequest(request, remote, pair.getLocalCandidate().getBase().getTransportAddress(),
                    this, id, RETRANSMIT_MILLIS, RETRANSMIT_MILLIS, retransmissions);
        } catch (Exception e) {
            // The pair's socket is gone (the agent is being freed) or the send failed: no answer, as with a loss.
            LOG.debugf("consent check to %s not sent: %s", remote, e.toString());
        }
    }

    /** A success response from where the check went (RFC 8445 section 7.2.5.2.1's symmetry) renews consent. */
    @Override
    public void processResponse(StunResponseEvent event) {
        if (event.getResponse().getMessageType() != Response.BINDING_SUCCESS_RESPONSE) {
            return;
        }
        Object data = event.getTransactionID().getApplicationData();
        if (data instanceof CandidatePair pair
                && pair.getRemoteCandidate().getTransportAddress().equals(event.getRemoteAddress())) {
            lastAnswerNanos = System.nanoTime();
        }
    }

    /** A check that got no answer through its retransmissions: consent runs out by time, not by this. */
    @Override
    public void processTimeout(StunTimeoutEvent event) {
    }
}
