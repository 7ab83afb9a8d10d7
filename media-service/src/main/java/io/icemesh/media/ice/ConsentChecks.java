package io.icemesh.media.ice;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    /** What each checked address did: for the log line that says why consent is running out. */
    private final Map<TransportAddress, PairRecord> records = new ConcurrentHashMap<>();
    /** Where the client's payload last came from (written by the port's receive thread). */
    private volatile SocketAddress payloadFrom;
    private long lastWarningNanos;
    /** Moves of the client's payload to another address, and when one was last logged (receive thread only). */
    private int moves;
    private long lastMoveLogNanos;

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

    /** The client's payload (DTLS, SRTP, SRTCP) came from this address: where ice4j now sends. */
    void payloadFrom(SocketAddress from, long nowNanos) {
        SocketAddress previous = payloadFrom;
        if (from != null && !from.equals(previous)) {
            payloadFrom = from;
            if (previous != null) {
                moves++;
                if (nowNanos - lastMoveLogNanos >= 1_000_000_000L) {
                    lastMoveLogNanos = nowNanos;
                    LOG.infof("agent %s: the client's payload now comes from %s, before from %s (%d moves; %s)",
                            agent.getLocalUfrag(), from, previous, moves, describe(nowNanos, nowNanos));
                }
            }
        }
    }

    /**
     * What the consent checks saw, for a log line: per checked address its pair's state, checks sent, answers, age
     * of its last answer and last send error; the selected pair; where the client's payload last came from, and how
     * long ago ({@code lastPayloadNanos}: the endpoint's last activity).
     */
    String describe(long nowNanos, long lastPayloadNanos) {
        StringBuilder sb = new StringBuilder();
        CandidatePair selected = component.getSelectedPair();
        sb.append("selected ").append(selected == null ? "none" : selected.getRemoteCandidate().getTransportAddress());
        SocketAddress from = payloadFrom;
        sb.append(", payload from ").append(from == null ? "none" : from);
        if (from != null) {
            sb.append(' ').append((nowNanos - lastPayloadNanos) / 1_000_000L).append(" ms ago");
        }
        sb.append(", agent ").append(agent.getState());
        for (CandidatePair pair : stream.getCheckList().toArray(new CandidatePair[0])) {
            if (pair.getParentComponent() != component) {
                continue;
            }
            TransportAddress remote = pair.getRemoteCandidate().getTransportAddress();
            sb.append("; ").append(remote).append(' ').append(pair.getState())
                    .append(pair.isValid() ? " valid" : "").append(pair.isNominated() ? " nominated" : "");
            PairRecord r = records.get(remote);
            if (r != null) {
                sb.append(", sent ").append(r.sent).append(", answered ").append(r.answered)
                        .append(", timed out ").append(r.timeouts);
                if (r.lastAnswerNanos != 0) {
                    sb.append(", last answer ").append((nowNanos - r.lastAnswerNanos) / 1_000_000L).append(" ms ago");
                }
                if (r.lastError != null) {
                    sb.append(", last send error ").append(r.lastError);
                }
            }
        }
        return sb.toString();
    }

    /**
     * What {@link #describe} says, when the client has answered nothing for more than two and a half intervals (two
     * checks lost); at most once per interval. Null otherwise.
     */
    synchronized String warning(long nowNanos, long intervalNanos, long lastPayloadNanos) {
        if (silenceNanos(nowNanos) <= intervalNanos * 5 / 2
                || (lastWarningNanos != 0 && nowNanos - lastWarningNanos < intervalNanos)) {
            return null;
        }
        lastWarningNanos = nowNanos;
        return describe(nowNanos, lastPayloadNanos);
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
        PairRecord record = records.computeIfAbsent(remote, a -> new PairRecord());
        try {
            agent.getStunStack().sendRequest(request, remote, pair.getLocalCandidate().getBase().getTransportAddress(),
                    this, id, RETRANSMIT_MILLIS, RETRANSMIT_MILLIS, retransmissions);
            record.sent++;
        } catch (Exception e) {
            // The pair's socket is gone (the agent is being freed) or the send failed: no answer, as with a loss.
            record.lastError = e.toString();
            LOG.debugf("consent check to %s not sent: %s", remote, e.toString());
        }
    }

    /** A success response from where the check went (RFC 8445 section 7.2.5.2.1's symmetry) renews consent. */
    @Override
    public void processResponse(StunResponseEvent event) {
        Object data = event.getTransactionID().getApplicationData();
        if (event.getResponse().getMessageType() != Response.BINDING_SUCCESS_RESPONSE) {
            if (data instanceof CandidatePair pair) {
                PairRecord record = records.get(pair.getRemoteCandidate().getTransportAddress());
                if (record != null) {
                    record.lastError = "error response 0x" + Integer.toHexString(event.getResponse().getMessageType());
                }
            }
            return;
        }
        if (data instanceof CandidatePair pair
                && !pair.getRemoteCandidate().getTransportAddress().equals(event.getRemoteAddress())) {
            PairRecord record = records.get(pair.getRemoteCandidate().getTransportAddress());
            if (record != null) {
                record.lastError = "answer from another address " + event.getRemoteAddress();
            }
        } else if (data instanceof CandidatePair pair) {
            long now = System.nanoTime();
            lastAnswerNanos = now;
            PairRecord record = records.get(pair.getRemoteCandidate().getTransportAddress());
            if (record != null) {
                record.answered++;
                record.lastAnswerNanos = now;
            }
        }
    }

    /** Counts for one checked address; plain fields, read racily for a log line only. */
    private static final class PairRecord {
        int sent;
        int answered;
        int timeouts;
        long lastAnswerNanos;
        String lastError;
    }

    /** A check that got no answer through its retransmissions: consent runs out by time, not by this. */
    @Override
    public void processTimeout(StunTimeoutEvent event) {
        if (event.getTransactionID().getApplicationData() instanceof CandidatePair pair) {
            PairRecord record = records.get(pair.getRemoteCandidate().getTransportAddress());
            if (record != null) {
                record.timeouts++;
            }
        }
    }
}
