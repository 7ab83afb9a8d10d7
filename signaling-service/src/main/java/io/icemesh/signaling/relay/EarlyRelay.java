package io.icemesh.signaling.relay;

import io.icemesh.signaling.session.Sockets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Early relay's bookkeeping (docs/signaling-protocol.md, "Early relay"): which of this instance's sockets take early
 * copies, and, per sender and addressee, the relays that went to the room log only, which later ones must not
 * overtake. Whether a message may go early (the sender and the addressee admitted, both here) is the caller's check.
 */
@Startup
@ApplicationScoped
public class EarlyRelay {

    private final Sockets sockets;
    private final Counter sent;
    private final Counter withdrawn;
    /**
     * Sockets whose client asked for early relays ({@code earlyRelay} in its join or resume) and heard its
     * {@code joined} or {@code resumed} (with the replay): nothing early may overtake those.
     */
    private final Set<String> enabled = ConcurrentHashMap.newKeySet();
    /** Sockets that asked for early relays and wait for their join or resume to be applied. */
    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    /**
     * Per sender and addressee ({@link #pair}), the relay ids of relays written to the log without an early copy
     * and not applied yet: while there are any, an early copy would overtake them, so the next relays wait for the
     * log too. A pair's set is only read or changed inside the map's per-key {@code compute}, and goes when empty.
     */
    private final Map<String, Set<String>> logOnlyInFlight = new ConcurrentHashMap<>();

    EarlyRelay(Sockets sockets, MeterRegistry meters) {
        this.sockets = sockets;
        this.sent = Counter.builder("icemesh.signaling.relays.early")
                .description("offers, answers and candidates sent to a socket of this instance before the room log"
                        + " applied them (the log's numbered copy follows)").register(meters);
        this.withdrawn = Counter.builder("icemesh.signaling.offers.withdrawn")
                .description("offers sent ahead of their join whose join the room log then refused or did not"
                        + " answer in time, or whose offer it gave to another peer (the peer was told to drop the"
                        + " connection made for it)").register(meters);
    }

    /** The key of a sender (a session id, or the SFU) and an addressee (a peer or session id). */
    public static String pair(String from, String to) {
        return from + "\n" + to;
    }

    /** A join or resume on this socket: whether its client asked for early copies once it is answered. */
    public void optIn(String connectionId, boolean asks) {
        enabled.remove(connectionId);
        if (asks) {
            asked.add(connectionId);
        } else {
            asked.remove(connectionId);
        }
    }

    /** The join or resume was answered (and the replay sent): early copies may go to this socket from now on. */
    public void fromNow(String connectionId) {
        if (asked.remove(connectionId) && sockets.holds(connectionId)) {
            enabled.add(connectionId);
        }
    }

    /** The socket closed. */
    public void forget(String connectionId) {
        enabled.remove(connectionId);
        asked.remove(connectionId);
    }

    /** Whether any socket of this instance takes early copies. */
    public boolean anyEnabled() {
        return !enabled.isEmpty();
    }

    /** Whether relays of this pair wait for the log: an earlier one went to the log only and is not applied yet. */
    public boolean waitsForLog(String pair) {
        return logOnlyInFlight.containsKey(pair);
    }

    /** A relay for this pair goes to the log only: later ones must not overtake it until it is applied. */
    public void logOnly(String pair, String rid) {
        logOnlyInFlight.compute(pair, (k, rids) -> {
            Set<String> set = rids != null ? rids : new HashSet<>();
            set.add(rid);
            return set;
        });
    }

    /** A relay record was applied: if it went to the log only, its pair may go early again once none is left. */
    public void applied(String pair, String rid) {
        if (rid != null) {
            logOnlyInFlight.computeIfPresent(pair, (k, rids) -> rids.remove(rid) && rids.isEmpty() ? null : rids);
        }
    }

    /**
     * Sends an early copy to a socket of this instance whose client asked for them and heard its joined or resumed;
     * false when it cannot go (the log's copy is then the only one).
     */
    public boolean send(String connectionId, String text) {
        if (!deliver(connectionId, text)) {
            return false;
        }
        sent.increment();
        return true;
    }

    /**
     * Tells a socket that got an offer ahead of its join to drop the connection it made for it ({@code peer-left},
     * reason {@code refused}): the log refused the join, did not answer in time, or gave the offer to another peer.
     */
    public void withdraw(String connectionId, String text) {
        if (deliver(connectionId, text)) {
            withdrawn.increment();
        }
    }

    private boolean deliver(String connectionId, String text) {
        if (connectionId == null || !enabled.contains(connectionId)) {
            return false;
        }
        WebSocketConnection socket = sockets.socket(connectionId);
        if (socket == null || !socket.isOpen()) {
            return false;
        }
        Sockets.send(socket, text);
        return true;
    }
}
