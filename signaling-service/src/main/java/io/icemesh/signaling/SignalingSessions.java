package io.icemesh.signaling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.events.SessionEventPublisher;
import io.icemesh.signaling.ice.IceServerDirectory;
import io.icemesh.signaling.media.MediaNodes;
import io.icemesh.signaling.media.SfuSessions;
import io.icemesh.signaling.protocol.ClientMessage;
import io.icemesh.signaling.protocol.RelayMessage;
import io.icemesh.signaling.protocol.Reply;
import io.icemesh.signaling.relay.EarlyRelay;
import io.icemesh.signaling.report.ClientReports;
import io.icemesh.signaling.room.Delivery;
import io.icemesh.signaling.room.Member;
import io.icemesh.signaling.room.Outcome;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.signaling.room.RoomStateMachine;
import io.icemesh.signaling.session.Sockets;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Signaling sessions on this instance's sockets: join with a room token, resume after a dropped socket, relay,
 * reports, leave. Room state is not kept here: every change is a command on the room log ({@link RoomLog}), and what
 * it did comes back when this instance applies it, so any instance can serve any peer of any room. A dropped peer
 * keeps its place for the resume grace time, then leaves for good. The SFU side of a session (its endpoint on a media
 * node, its offer and answer with media-service, moves) is {@link SfuSessions}'; early copies of relays are
 * {@link EarlyRelay}'s; the sockets themselves {@link Sockets}'.
 */
@ApplicationScoped
public class SignalingSessions implements RoomLog.Listener {

    private static final Logger LOG = Logger.getLogger(SignalingSessions.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper json;
    private final RoomTokens tokens;
    private final RoomLog log;
    private final RoomStateMachine rooms;
    private final IceServerDirectory iceServers;
    private final SessionEventPublisher events;
    private final Sockets sockets;
    private final EarlyRelay earlyRelay;
    private final SfuSessions sfu;
    private final String me;
    /** Relay ids: this process's random prefix and a counter, so that ids from every instance differ. */
    private final String relayIdPrefix = UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicLong relayIds = new AtomicLong();

    SignalingSessions(ObjectMapper json, RoomTokens tokens, RoomLog log, IceServerDirectory iceServers,
            SessionEventPublisher events, Sockets sockets, EarlyRelay earlyRelay, SfuSessions sfu) {
        this.json = json;
        this.tokens = tokens;
        this.log = log;
        this.rooms = log.state();
        this.iceServers = iceServers;
        this.events = events;
        this.sockets = sockets;
        this.earlyRelay = earlyRelay;
        this.sfu = sfu;
        this.me = log.instanceId();
        log.listen(this);
    }

    /** Whether this instance takes sessions: the room log is current and it is not shutting down. */
    public boolean ready() {
        return !sockets.draining() && log.ready();
    }

    /** Whether client commands are taken now: ready, and not too much waiting for the broker. */
    private boolean accepting() {
        return !sockets.draining() && log.accepting();
    }

    void opened(WebSocketConnection connection) {
        sockets.opened(connection);
    }

    Reply join(ClientMessage.Join msg, WebSocketConnection connection) {
        if (sockets.isBound(connection.id())) {
            return Reply.error("already-joined", "leave the current room before joining another");
        }
        RoomToken token;
        try {
            token = tokens.verify(msg.token());
        } catch (RoomTokens.InvalidTokenException e) {
            return Reply.error("unauthorized", e.getMessage());
        }
        if (msg.room() != null && !token.room().equals(msg.room())) {
            return Reply.error("wrong-room", "the token admits to room \"" + token.room() + "\" only");
        }
        String offer;
        try {
            offer = msg.offerSdp();
        } catch (RelayMessage.BadRelayMessageException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        if (!accepting()) {
            return unavailable();
        }
        MediaNodes.Proposal proposal = null;
        if (token.mode() == RoomMode.SFU) {
            proposal = sfu.propose(token.room()).orElse(null);
            if (proposal == null) {
                return Reply.error("sfu-unavailable", "no media-service node can take room \"" + token.room()
                        + "\" now");
            }
        }
        String sessionId = token.sessionId() != null ? token.sessionId() : UUID.randomUUID().toString();
        String request = UUID.randomUUID().toString();
        earlyRelay.optIn(connection.id(), msg.earlyRelay());
        sockets.bind(connection.id(), new Sockets.Binding(sessionId, token.room(), token.mode(), 1));
        RoomCommand.Join join = new RoomCommand.Join(token.room(), me, request, connection.id(), sessionId,
                UUID.randomUUID().toString().substring(0, 8), token.subject(), token.mode(), newResumeToken(),
                proposal == null ? null : proposal.node(), proposal == null ? null : proposal.replaces(),
                System.currentTimeMillis(), rooms.limits());
        // SFU join: the endpoint is allocated on the proposed node while the join travels through the room log,
        // instead of after it (one broker round trip less before "joined"). The log decides; an allocation on a
        // node it did not choose, or for a join it refused, is ended again. Not for a session this instance already
        // knows (media-service answers ALLOCATE with the existing endpoint, which must not be ended): such a join
        // allocates after the log, as before. An allocation left behind by a race (two joins with one session id)
        // ends on the node by itself: an endpoint no client connects to fails after ICE's and DTLS's timeouts.
        String proposed = proposal == null || rooms.member(sessionId).isPresent() ? null : proposal.node();
        CompletionStage<MediaReply> allocation = proposed == null ? null
                : sfu.allocate(proposed, token.room(), sessionId);
        OfferAhead ahead = offer == null ? null : offerAhead(join, offer);
        log.request(request, join, applied -> joinApplied(connection, applied.outcome(), proposed, allocation, offer,
                ahead), () -> {
            sockets.unbind(connection.id());
            if (rooms.member(sessionId).isEmpty()) {
                sfu.endAllocation(allocation, proposed);
            }
            withdraw(ahead);
            Sockets.send(connection, sockets.errorJson("unavailable", "the room log did not answer in time; try again"));
        });
        // After the join is in the log's queue: whatever the first peer sends back is written behind it.
        if (ahead != null) {
            ahead.send();
        }
        return null;
    }

    /**
     * The early copy of a P2P join's offer, sent to the first peer before the room log applies the join (see
     * docs/signaling-protocol.md, "Offer with the join"): made when this instance's replica says the log will admit
     * the join and give the offer to a peer whose socket is here and takes early copies. It goes once, after the join
     * was written, unless the join's outcome came first; the outcome then settles it: the log's copy follows with the
     * same {@code rid}, or, if the log refused the join or gave the offer to another peer, the peer is told to drop
     * the connection it made for it ({@link #withdraw}).
     */
    private final class OfferAhead {
        final String from;
        final Member to;
        /** The relay's body ({@code type}, {@code sdp}, {@code rid}): the log's copy is written with it. */
        final ObjectNode body;
        private final String text;
        /** Null until sent or settled; then whether the early copy went. */
        private Boolean sent;

        OfferAhead(String from, Member to, ObjectNode body) {
            this.from = from;
            this.to = to;
            this.body = body;
            this.text = body.deepCopy().put("from", from).toString();
        }

        synchronized void send() {
            if (sent == null) {
                sent = earlyRelay.send(to.connection(), text);
            }
        }

        /** The join's outcome is known: true if the early copy went (it never goes after this). */
        synchronized boolean settle() {
            if (sent == null) {
                sent = false;
            }
            return sent;
        }
    }

    /** The early copy this join's offer may take, or null (see {@link OfferAhead}). */
    private OfferAhead offerAhead(RoomCommand.Join join, String sdp) {
        if (!earlyRelay.anyEnabled() || !accepting()) {
            return null;
        }
        Member to = rooms.firstPeerIfAdmitted(join).orElse(null);
        if (to == null || !me.equals(to.instance()) || to.connection() == null) {
            return null;
        }
        return new OfferAhead(join.peerId(), to, offerBody(sdp).put("rid", nextRelayId()));
    }

    /**
     * An offer that went ahead of a join the log then refused, or gave to another peer: its peer gets
     * {@code peer-left} with reason {@code refused} (no {@code seq}: the log never numbered the newcomer for it), and
     * drops the connection it made for the offer.
     */
    private void withdraw(OfferAhead ahead) {
        if (ahead != null && ahead.settle()) {
            earlyRelay.withdraw(ahead.to.connection(), json.createObjectNode().put("type", "peer-left")
                    .put("peerId", ahead.from).put("reason", "refused").toString());
        }
    }

    private void joinApplied(WebSocketConnection connection, Outcome outcome, String proposed,
            CompletionStage<MediaReply> allocation, String offer, OfferAhead ahead) {
        if (outcome instanceof Outcome.Refused r) {
            sockets.unbind(connection.id());
            if (!"session-in-use".equals(r.code())) {
                // (A session in use keeps its endpoint: the allocation found that one and must not end it.)
                sfu.endAllocation(allocation, proposed);
            }
            withdraw(ahead);
            Sockets.send(connection, sockets.errorJson(r.code(), r.message()));
        } else if (outcome instanceof Outcome.Joined j) {
            joined(connection, j, offer == null ? null : offerOnJoin(connection, j, offer, ahead));
        } else if (outcome instanceof Outcome.Pending p) {
            // SFU join: the endpoint must exist on the media node before the client hears "joined". Its offer, if the
            // join carried one, goes to the endpoint right after "joined".
            boolean allocatedAhead = allocation != null && p.self().mediaNode().equals(proposed);
            if (!allocatedAhead) {
                sfu.endAllocation(allocation, proposed);
            }
            sfu.admit(connection, p.self(), allocatedAhead ? allocation : null, offer, (admitted, offers) -> {
                if (admitted instanceof Outcome.Joined j) {
                    joined(connection, j, offers ? ClientMessage.SFU : null);
                } else {
                    joinApplied(connection, admitted, null, null, null, null);
                }
            });
        }
    }

    /** Tells the client it joined: {@code offeredTo} the peer (or "sfu") that gets the offer the join carried, if any. */
    private void joined(WebSocketConnection connection, Outcome.Joined j, String offeredTo) {
        ObjectNode joined = admitted(j.self(), j.others());
        if (offeredTo != null) {
            joined.put("offeredTo", offeredTo);
        }
        Sockets.send(connection, joined.toString());
        earlyRelay.fromNow(connection.id());
    }

    /**
     * A P2P join that carried an offer: it goes to the first peer already in the room, as if the newcomer had sent it
     * on {@code joined} (the same checks, early copy and room log record as {@link #relay}), one round trip to the
     * client sooner. Returns that peer's id, or null when it did not go (no one else in the room, not a P2P room, or
     * this instance drains): the client then offers as usual. See docs/signaling-protocol.md, "Offer with the join".
     */
    private String offerOnJoin(WebSocketConnection connection, Outcome.Joined j, String sdp, OfferAhead ahead) {
        Member self = j.self();
        if (self.mode() != RoomMode.P2P || j.others().isEmpty()) {
            withdraw(ahead);
            return null;
        }
        String to = j.others().get(0).peerId();
        if (ahead != null && ahead.to.peerId().equals(to) && ahead.settle()) {
            // Its early copy is there already (even if this instance no longer takes commands now, the peer has it
            // and may have answered): the log's copy (same rid) follows, and nothing later waits for it.
            log.submit(new RoomCommand.Relay(self.room(), me, connection.id(), self.sessionId(), to, "offer",
                    ahead.body));
            return to;
        }
        withdraw(ahead);
        if (!accepting()) {
            return null;
        }
        submitRelay(new RelayMessage("offer", to, offerBody(sdp)), connection, self.sessionId(), self.room());
        return to;
    }

    private ObjectNode offerBody(String sdp) {
        return json.createObjectNode().put("type", "offer").put("sdp", sdp);
    }

    private ObjectNode admitted(Member peer, List<Member> others) {
        ObjectNode joined = json.createObjectNode().put("type", "joined").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId())
                .put("sessionId", peer.sessionId()).put("resumeToken", peer.resumeToken());
        joined.set("peers", peerList(others));
        addIceServers(joined, peer.sessionId());
        return joined;
    }

    /** The session this socket speaks for, as the room log has it now (empty before its join is applied). */
    private Member memberOf(WebSocketConnection connection) {
        Sockets.Binding b = sockets.binding(connection.id());
        return b == null ? null : rooms.member(b.sessionId()).orElse(null);
    }

    Reply resume(ClientMessage.Resume msg, WebSocketConnection connection) {
        if (sockets.isBound(connection.id())) {
            return Reply.error("already-joined", "this socket already speaks for a session");
        }
        String resumeToken = msg.resumeToken();
        Member peer = rooms.byResumeToken(resumeToken).orElse(null);
        if (peer == null) {
            return Reply.error("bad-resume", "unknown or expired resume token; join again");
        }
        if (!accepting()) {
            return unavailable();
        }
        String request = UUID.randomUUID().toString();
        earlyRelay.optIn(connection.id(), msg.earlyRelay());
        sockets.bind(connection.id(), new Sockets.Binding(peer.sessionId(), peer.room(), peer.mode(), 0));
        log.request(request, new RoomCommand.Resume(peer.room(), me, request, connection.id(), resumeToken,
                msg.lastSeq()), applied -> resumeApplied(connection, applied.outcome()), () -> {
                    sockets.unbind(connection.id());
                    Sockets.send(connection, sockets.errorJson("unavailable",
                            "the room log did not answer in time; try again"));
                });
        return null;
    }

    private void resumeApplied(WebSocketConnection connection, Outcome outcome) {
        if (outcome instanceof Outcome.Refused r) {
            sockets.unbind(connection.id());
            Sockets.send(connection, sockets.errorJson(r.code(), r.message()));
            return;
        }
        if (outcome instanceof Outcome.Left) {
            // The replay buffer no longer holds every message after the client's last seq: the session left (its
            // peers saw peer-left), and the client joins again with its token.
            sockets.unbind(connection.id());
            Sockets.send(connection, sockets.errorJson("bad-resume", "messages sent while you were away are no longer kept; join "
                    + "again"));
            return;
        }
        Outcome.Resumed resumed = (Outcome.Resumed) outcome;
        Member peer = resumed.self();
        Sockets.Binding binding = new Sockets.Binding(peer.sessionId(), peer.room(), peer.mode(), peer.epoch());
        sockets.bind(connection.id(), binding);
        if (!sockets.holds(connection.id()) || !connection.isOpen()) {
            // The socket closed before the resume was applied (dropped() saw epoch 0 and wrote nothing): the session
            // is written away again, so it waits for the next resume or expires, instead of a ghost this instance
            // claims forever. Bound first, checked after: whichever of this and dropped() sees the other writes it.
            if (sockets.unbind(connection.id(), binding)) {
                log.submit(new RoomCommand.Disconnected(peer.room(), me, peer.sessionId(), peer.epoch(),
                        System.currentTimeMillis()));
            }
            LOG.infof("session %s resumed on a socket that had already closed; it waits for a resume again",
                    peer.sessionId());
            return;
        }
        LOG.infof("session %s resumed in room %s on %s (%d messages replayed)", peer.sessionId(), peer.room(), me,
                resumed.missed().size());
        ObjectNode reply = json.createObjectNode().put("type", "resumed").put("room", peer.room())
                .put("mode", peer.mode().wireName()).put("peerId", peer.peerId()).put("sessionId", peer.sessionId());
        reply.set("peers", peerList(resumed.others()));
        addIceServers(reply, peer.sessionId());
        // The resumed reply goes first; what the client missed follows in its original order, and later deliveries
        // after it (this runs on the log's reader thread, before the next record is applied).
        Sockets.send(connection, reply.toString());
        resumed.missed().forEach(text -> Sockets.send(connection, text));
        earlyRelay.fromNow(connection.id());
    }

    Reply leave(WebSocketConnection connection) {
        Sockets.Binding b = sockets.unbind(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "not in a room");
        }
        String request = UUID.randomUUID().toString();
        log.request(request, new RoomCommand.Leave(b.room(), me, request, b.sessionId(), b.epoch()),
                applied -> Sockets.send(connection, json.createObjectNode().put("type", "left").toString()),
                () -> Sockets.send(connection, sockets.errorJson("unavailable", "the leave is written and takes effect once the"
                        + " room log is reachable")));
        return null;
    }

    Reply relay(ClientMessage.Relay relay, WebSocketConnection connection) {
        String type = relay.type();
        Sockets.Binding b = sockets.binding(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room before sending " + type);
        }
        RelayMessage msg;
        try {
            msg = relay.message();
        } catch (RelayMessage.BadRelayMessageException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        if (b.mode() == RoomMode.SFU) {
            Member from = memberOf(connection);
            if (from == null) {
                return Reply.error("not-joined", "the join is not complete yet");
            }
            return sfu.relay(msg, from, connection);
        }
        if (!accepting()) {
            return unavailable();
        }
        submitRelay(msg, connection, b.sessionId(), b.room());
        return null;
    }

    private String nextRelayId() {
        return relayIdPrefix + Long.toString(relayIds.incrementAndGet(), 36);
    }

    /** A P2P relay with its relay id: sent early where it can be, and written to the room log. */
    private void submitRelay(RelayMessage msg, WebSocketConnection connection, String sessionId, String room) {
        String rid = nextRelayId();
        msg.body().put("rid", rid);
        if (!relayEarly(msg, connection, sessionId)) {
            earlyRelay.logOnly(EarlyRelay.pair(sessionId, msg.to()), rid);
        }
        log.submit(new RoomCommand.Relay(room, me, connection.id(), sessionId, msg.to(), msg.type(), msg.body()));
    }

    /**
     * Early relay: when the addressee's socket is on this instance too and its client asked for it, the message goes
     * to that socket now, without {@code seq}, before it is written to the room log; the log's numbered copy (same
     * {@code rid}) follows when the record is applied, and the client keeps only the first of the two. The log stays
     * the record every instance agrees on (numbering, replay on resume, the checks of {@link RoomStateMachine}); the
     * early copy only saves the broker round trip, which on a busy broker is most of a call's set-up. The checks here
     * are those the state machine makes, on this instance's replica: the sender is the admitted session this socket
     * speaks for, the addressee another admitted peer of its room. Sent before the record is submitted, so that the
     * early copy always arrives first. See docs/signaling-protocol.md, "Early relay".
     */
    private boolean relayEarly(RelayMessage msg, WebSocketConnection connection, String fromSession) {
        if (!earlyRelay.anyEnabled() || earlyRelay.waitsForLog(EarlyRelay.pair(fromSession, msg.to()))) {
            return false;
        }
        Member from = memberOf(connection);
        if (from == null || !from.admitted() || !me.equals(from.instance())
                || !connection.id().equals(from.connection())) {
            return false;
        }
        Member to = rooms.peer(from.room(), msg.to()).orElse(null);
        return to != null && !to.sessionId().equals(from.sessionId()) && to.admitted() && me.equals(to.instance())
                && earlyRelay.send(to.connection(), msg.body().deepCopy().put("from", from.peerId()).toString());
    }

    Reply report(ClientMessage.Report msg, WebSocketConnection connection) {
        Member peer = memberOf(connection);
        if (peer == null) {
            return Reply.error("not-joined", "join a room before reporting");
        }
        List<SessionEvent> reported;
        try {
            reported = ClientReports.toEvents(msg.entries(), peer, log.maxReportEntries());
        } catch (ClientReports.BadReportException e) {
            return Reply.error("bad-report", e.getMessage());
        }
        String request = UUID.randomUUID().toString();
        log.request(request, new RoomCommand.Report(peer.room(), me, request, peer.sessionId(), reported.size()),
                applied -> {
                    if (applied.outcome() instanceof Outcome.Refused r) {
                        Sockets.send(connection, sockets.errorJson(r.code(), r.message()));
                    } else {
                        reported.forEach(events::publish);
                        Sockets.send(connection, json.createObjectNode().put("type", "report-ack")
                                .put("accepted", reported.size()).toString());
                    }
                }, () -> Sockets.send(connection, sockets.errorJson("unavailable", "the room log did not answer in time")));
        return null;
    }

    /** Whether this socket speaks for a session (its join or resume was accepted, and it has not left). */
    boolean bound(WebSocketConnection connection) {
        return sockets.binding(connection.id()) != null;
    }

    Reply iceServers(WebSocketConnection connection) {
        Sockets.Binding b = sockets.binding(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room first");
        }
        ObjectNode reply = json.createObjectNode().put("type", "ice-servers");
        addIceServers(reply, b.sessionId());
        return Reply.of(reply);
    }

    /** The socket closed: an explicit leave already happened, or the peer now waits for a resume. */
    void dropped(WebSocketConnection connection) {
        Sockets.Binding b = sockets.closed(connection.id());
        earlyRelay.forget(connection.id());
        if (b != null && b.epoch() > 0) {
            log.submit(new RoomCommand.Disconnected(b.room(), me, b.sessionId(), b.epoch(),
                    System.currentTimeMillis()));
        }
    }

    @Override
    public boolean holdsSocket(String connection) {
        WebSocketConnection socket = sockets.socket(connection);
        return socket != null && socket.isOpen() && sockets.isBound(connection);
    }

    /** One applied record: deliveries to this instance's sockets, then what the writer of the record does. */
    @Override
    public void applied(RoomCommand command, RoomStateMachine.Applied applied,
            Consumer<RoomStateMachine.Applied> handler) {
        for (Delivery d : applied.deliveries()) {
            if (me.equals(d.instance())) {
                sockets.sendTo(d.connection(), d.text());
            }
        }
        if (command instanceof RoomCommand.Relay r && me.equals(r.origin())) {
            earlyRelay.applied(EarlyRelay.pair(r.sessionId(), r.to()), r.body().path("rid").asText(null));
        }
        Outcome outcome = applied.outcome();
        if (outcome instanceof Outcome.Resumed r && me.equals(r.previous().instance())
                && !r.previous().connection().equals(r.self().connection())) {
            // Resuming takes over from a socket this instance still holds.
            WebSocketConnection old = sockets.socket(r.previous().connection());
            sockets.unbind(r.previous().connection());
            if (old != null) {
                old.close().subscribe().with(ok -> { }, err -> { });
            }
        }
        if (command instanceof RoomCommand.InstanceGone g && me.equals(g.instance())
                && outcome instanceof Outcome.Detached d) {
            // Another instance took this one for gone (it did not hear its heartbeats for a while): the log no longer
            // gives these sessions to this instance's sockets. They are closed with resume-elsewhere, so each client
            // resumes (here or elsewhere) with its place, replay included, instead of talking into a void.
            java.util.Set<String> detached = new java.util.HashSet<>();
            d.members().forEach(m -> detached.add(m.sessionId()));
            sockets.forEachBinding((connection, b) -> {
                if (detached.contains(b.sessionId()) && sockets.unbind(connection, b)) {
                    WebSocketConnection socket = sockets.socket(connection);
                    if (socket != null) {
                        socket.close(Sockets.DRAINING).subscribe().with(ok -> { }, err -> { });
                    }
                }
            });
            LOG.warnf("instance %s was taken for gone: %d sessions in room %s closed with resume-elsewhere", me,
                    detached.size(), g.room());
        }
        sfu.applied(command, outcome);
        if (handler != null) {
            handler.accept(applied);
        }
        if (!me.equals(command.origin())) {
            return;
        }
        // This instance wrote the record that took effect: it does the side effects, once for the whole mesh.
        if (handler == null) {
            undoIfAbandoned(command, outcome);
        }
        if (outcome instanceof Outcome.Joined j) {
            Member peer = j.self();
            events.publish(SessionEvent.builder(SessionEventType.PEER_JOINED, peer.sessionId(), EventSource.SIGNALING)
                    .roomId(peer.room()).peerId(peer.peerId()).mediaNode(peer.mediaNode()).build());
            LOG.infof("session %s joined room %s as %s on %s (%d others)", peer.sessionId(), peer.room(),
                    peer.peerId(), me, j.others().size());
        } else if (outcome instanceof Outcome.Left l) {
            Member peer = l.self();
            sfu.left(peer);
            events.publish(SessionEvent.builder(SessionEventType.PEER_LEFT, peer.sessionId(), EventSource.SIGNALING)
                    .roomId(peer.room()).peerId(peer.peerId()).reason(l.reason()).build());
            LOG.infof("session %s left room %s (%s)", peer.sessionId(), peer.room(), l.reason());
        } else if (outcome instanceof Outcome.Relayed r && command instanceof RoomCommand.Relay relay
                && !"candidate".equals(relay.type())) {
            SessionEventType kind = "offer".equals(relay.type()) ? SessionEventType.OFFER_RELAYED
                    : SessionEventType.ANSWER_RELAYED;
            events.publish(SessionEvent.builder(kind, r.from().sessionId(), EventSource.SIGNALING)
                    .roomId(r.from().room()).peerId(r.from().peerId())
                    .elapsedMs(System.currentTimeMillis() - r.from().joinedAtMs()).build());
        } else if (outcome instanceof Outcome.Refused r && command instanceof RoomCommand.Relay relay) {
            sockets.sendTo(relay.connection(), sockets.errorJson(r.code(), r.message()));
        }
    }

    /** A join or resume applied after its client was told {@code unavailable}: it is undone. */
    private void undoIfAbandoned(RoomCommand command, Outcome outcome) {
        if (command instanceof RoomCommand.Join && outcome instanceof Outcome.Joined j) {
            log.submit(new RoomCommand.Leave(j.self().room(), me, null, j.self().sessionId(), j.self().epoch()));
        } else if (command instanceof RoomCommand.Join && outcome instanceof Outcome.Pending p) {
            log.submit(new RoomCommand.Abandon(p.self().room(), me, p.self().sessionId()));
        } else if (command instanceof RoomCommand.Admit && outcome instanceof Outcome.Joined j) {
            log.submit(new RoomCommand.Leave(j.self().room(), me, null, j.self().sessionId(), j.self().epoch()));
        } else if (command instanceof RoomCommand.Resume && outcome instanceof Outcome.Resumed r) {
            log.submit(new RoomCommand.Disconnected(r.self().room(), me, r.self().sessionId(), r.self().epoch(),
                    System.currentTimeMillis()));
        }
    }

    /**
     * SIGTERM drains: readiness goes DOWN, every session on this instance is written as disconnected (it keeps its
     * place for the resume grace), and its socket is closed with {@code 1012 resume-elsewhere}, so the client resumes
     * on another instance. Runs before the room log stops (observer priority), which then flushes what was written.
     */
    void drain(@Observes @Priority(10) ShutdownEvent event) {
        sockets.drain();
        long now = System.currentTimeMillis();
        sockets.forEachBinding((connection, b) -> {
            if (b.epoch() > 0) {
                log.submit(new RoomCommand.Disconnected(b.room(), me, b.sessionId(), b.epoch(), now));
            }
        });
        sockets.unbindAll();
        sockets.closeAll();
        log.flush(Duration.ofSeconds(3));
        LOG.infof("instance %s drained: %d sockets closed with resume-elsewhere", me, sockets.count());
    }

    private static Reply unavailable() {
        return Reply.error("unavailable", "room state is out of reach (Kafka); try again or another instance");
    }

    private ArrayNode peerList(List<Member> peers) {
        ArrayNode list = json.createArrayNode();
        peers.forEach(p -> list.addObject().put("peerId", p.peerId()).put("user", p.subject()));
        return list;
    }

    private void addIceServers(ObjectNode target, String sessionId) {
        IceServerDirectory.IceServerList list = iceServers.listFor(sessionId);
        target.set("iceServers", json.valueToTree(list.iceServers()));
        target.put("iceServersTtl", list.ttlSeconds());
    }

    private static String newResumeToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
