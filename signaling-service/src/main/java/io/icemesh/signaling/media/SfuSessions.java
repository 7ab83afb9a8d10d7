package io.icemesh.signaling.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.events.SessionEventPublisher;
import io.icemesh.signaling.protocol.ClientMessage;
import io.icemesh.signaling.protocol.QualityRequest;
import io.icemesh.signaling.protocol.RelayMessage;
import io.icemesh.signaling.protocol.Reply;
import io.icemesh.signaling.relay.EarlyRelay;
import io.icemesh.signaling.room.Member;
import io.icemesh.signaling.room.Outcome;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.signaling.room.RoomStateMachine;
import io.icemesh.signaling.session.Sockets;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The SFU side of signaling sessions: the endpoint on a media node before a client hears {@code joined}, its offer
 * and answer with media-service (media-service's own offers and ends through the room log), ICE restarts, simulcast
 * requests, stall reports, and moving a room's endpoints to another node. P2P sessions and the socket lifecycle are
 * {@code SignalingSessions}'. Started with the application, so that media-service's own messages are handled from the
 * start.
 */
@Startup
@ApplicationScoped
public class SfuSessions {

    private static final Logger LOG = Logger.getLogger(SfuSessions.class);

    private final ObjectMapper json;
    private final RoomLog log;
    private final RoomStateMachine rooms;
    private final MediaNodes nodes;
    private final MediaGateway media;
    private final RoomMover mover;
    private final SessionEventPublisher events;
    private final Sockets sockets;
    private final EarlyRelay earlyRelay;
    private final String me;
    /** Per session, when this instance last wrote its client's stall report (at most one a second). */
    private final Map<String, Long> stallWritten = new ConcurrentHashMap<>();
    /** Per session whose socket this instance holds, when its room last moved (its stall reports wait a while). */
    private final Map<String, Long> movedAt = new ConcurrentHashMap<>();

    SfuSessions(ObjectMapper json, RoomLog log, MediaNodes nodes, MediaGateway media, RoomMover mover,
            SessionEventPublisher events, Sockets sockets, EarlyRelay earlyRelay) {
        this.json = json;
        this.log = log;
        this.rooms = log.state();
        this.nodes = nodes;
        this.media = media;
        this.mover = mover;
        this.events = events;
        this.sockets = sockets;
        this.earlyRelay = earlyRelay;
        this.me = log.instanceId();
        media.onUnsolicited(this::onMediaMessage);
    }

    /** The node an SFU room's join proposes (the room's node, or the least loaded), or empty when none can take it. */
    public Optional<MediaNodes.Proposal> propose(String room) {
        return nodes.propose(room, rooms.mediaNode(room).orElse(null), rooms.sessionsByNode());
    }

    /** Allocates the session's endpoint on a node now (ahead of the join's record; see {@link #admit}). */
    public CompletionStage<MediaReply> allocate(String node, String room, String sessionId) {
        return media.request(MediaCommandType.ALLOCATE, node, room, sessionId, null);
    }

    /** Ends an endpoint allocated ahead of a join that did not take it (nothing when there was none). */
    public void endAllocation(CompletionStage<MediaReply> allocation, String node) {
        if (allocation == null) {
            return;
        }
        allocation.whenComplete((reply, failure) -> {
            if (failure == null && reply.type() == MediaReplyType.ALLOCATED) {
                media.tell(MediaCommandType.END, node, reply.roomId(), reply.endpointId(), null);
            }
        });
    }

    /** The session left: its endpoint on the media node ends. */
    public void left(Member peer) {
        if (peer.mediaNode() != null) {
            media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(), null);
        }
    }

    /**
     * A pending SFU join: once its endpoint exists on the media node ({@code allocation}, or one allocated now when
     * null), the session is admitted through the room log and {@code admitted} gets what that did; if the endpoint
     * cannot be made, the session is abandoned and its client told why. A join that carried its client's first offer
     * ({@code offer}, else null) has it sent to the endpoint right after {@code admitted} ran for a session admitted
     * on that node, as if the client had sent it on {@code joined}; {@code admitted} is told whether it will be
     * (true), so that {@code joined} can say so. (Not sooner: media-service renegotiates as soon as it answered, and
     * its offers must neither reach the client before {@code joined} nor overtake the answer.)
     */
    public void admit(WebSocketConnection connection, Member peer, CompletionStage<MediaReply> allocation, String offer,
            BiConsumer<Outcome, Boolean> admitted) {
        admit(connection, peer, allocation, offer, admitted, true);
    }

    private void admit(WebSocketConnection connection, Member peer, CompletionStage<MediaReply> allocation,
            String offer, BiConsumer<Outcome, Boolean> admitted, boolean mayFollow) {
        CompletionStage<MediaReply> endpoint = allocation != null ? allocation
                : allocate(peer.mediaNode(), peer.room(), peer.sessionId());
        endpoint.whenComplete((reply, failure) -> {
            if (!allocated(reply, failure)) {
                String roomNode = rooms.mediaNode(peer.room()).orElse(null);
                if (mayFollow && roomNode != null && !roomNode.equals(peer.mediaNode())
                        && rooms.member(peer.sessionId()).filter(m -> !m.admitted()).isPresent()) {
                    // The room left the node while this join waited for it (it crashed, or it refused a draining
                    // node's allocation): the join follows the room, once.
                    LOG.infof("session %s of room %s: no endpoint on media node %s (%s); the room is on %s now, the"
                            + " join follows it", peer.sessionId(), peer.room(), peer.mediaNode(), why(reply, failure),
                            roomNode);
                    media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(), null);
                    admit(connection, onNode(peer, roomNode), null, offer, admitted, false);
                    return;
                }
                String code = code(failure);
                String why = why(reply, failure);
                log.submit(new RoomCommand.Abandon(peer.room(), me, peer.sessionId()));
                sockets.unbind(connection.id());
                Sockets.send(connection, sockets.errorJson(code, why));
                return;
            }
            String request = UUID.randomUUID().toString();
            log.request(request, new RoomCommand.Admit(peer.room(), me, request, peer.sessionId()), applied -> {
                Member self = applied.outcome() instanceof Outcome.Joined j ? j.self() : null;
                boolean moved = self != null && self.mediaNode() != null && !self.mediaNode().equals(peer.mediaNode());
                if (moved) {
                    followMovedRoom(connection, self, peer.mediaNode());
                }
                // The join's offer goes to the endpoint once the client heard "joined" (else the client offers).
                boolean offers = offer != null && self != null && !moved;
                admitted.accept(applied.outcome(), offers);
                if (offers) {
                    offer(self, offer, connection);
                }
            }, () -> {
                        // Undone in log order: the abandon follows the admit whenever that lands.
                        log.submit(new RoomCommand.Abandon(peer.room(), me, peer.sessionId()));
                        media.tell(MediaCommandType.END, peer.mediaNode(), peer.room(), peer.sessionId(), null);
                        sockets.unbind(connection.id());
                        Sockets.send(connection, sockets.errorJson("unavailable",
                                "the room log did not answer in time; try again"));
                    });
        });
    }

    /**
     * The room moved to the admitted session's node ({@code joined.mediaNode()}) while its join waited for its
     * endpoint on {@code oldNode} (a move takes only admitted sessions along): an endpoint on the room's node is asked
     * for now, and the old one ends. The allocation is sent before the client hears {@code joined}, so the client's
     * offer, a command for the same room from this instance's one producer, reaches the node after it. If the node
     * does not take it, the session leaves the room and its client is told why.
     */
    private void followMovedRoom(WebSocketConnection connection, Member joined, String oldNode) {
        LOG.infof("session %s of room %s: the room moved to media node %s while the session joined on %s",
                joined.sessionId(), joined.room(), joined.mediaNode(), oldNode);
        media.tell(MediaCommandType.END, oldNode, joined.room(), joined.sessionId(), null);
        allocate(joined.mediaNode(), joined.room(), joined.sessionId()).whenComplete((reply, failure) -> {
            if (!allocated(reply, failure)) {
                Member now = rooms.member(joined.sessionId()).orElse(null);
                if (now == null || now.epoch() != joined.epoch() || !joined.mediaNode().equals(now.mediaNode())) {
                    return; // left, resumed elsewhere, or moved on (that move gave it an endpoint)
                }
                log.submit(new RoomCommand.Leave(joined.room(), me, null, joined.sessionId(), joined.epoch()));
                sockets.unbind(connection.id(), new Sockets.Binding(joined.sessionId(), joined.room(), RoomMode.SFU,
                        joined.epoch()));
                Sockets.send(connection, notTakenAfterMove(reply, failure));
            }
        });
    }

    /** Whether an allocation's reply (or its {@code failure}, a timeout) gave the session its endpoint. */
    private static boolean allocated(MediaReply reply, Throwable failure) {
        return failure == null && reply.type() == MediaReplyType.ALLOCATED;
    }

    /** The client's error code for a command that got no reply ({@code failure}) or a refusal. */
    private static String code(Throwable failure) {
        return failure != null ? "media-timeout" : "media-error";
    }

    /** Why a command did not do what it asked: the timeout's message, or the node's reason. */
    private static String why(MediaReply reply, Throwable failure) {
        return failure != null ? failure.getMessage() : reply.reason();
    }

    /** The client's error when the node its room moved to did not take it. */
    private String notTakenAfterMove(MediaReply reply, Throwable failure) {
        return sockets.errorJson(code(failure), "the room moved to another media node, which did not take this peer: "
                + why(reply, failure));
    }

    /** {@code m} with its endpoint on {@code node}. */
    private static Member onNode(Member m, String node) {
        return new Member(m.sessionId(), m.peerId(), m.subject(), m.room(), m.mode(), node, m.resumeToken(),
                m.joinedAtMs(), m.epoch(), m.instance(), m.connection(), m.admitted());
    }

    /**
     * media-service's own messages for an endpoint. Every instance reads them; offers and ends go through the room
     * log (numbered, replayed after a resume; the reference makes the copies of other instances no-ops), refusals go
     * straight to the socket of the instance that holds it.
     */
    private void onMediaMessage(MediaReply reply, String ref) {
        Member peer = rooms.member(reply.endpointId()).orElse(null);
        if (peer == null) {
            return;
        }
        if (reply.nodeId() != null && peer.mediaNode() != null && !reply.nodeId().equals(peer.mediaNode())) {
            return; // the room moved: the old node's offers and ends are about a connection the client dropped
        }
        if (reply.type() == MediaReplyType.OFFER) {
            fromSfu(peer, ref, json.createObjectNode().put("type", "offer").put("from", ClientMessage.SFU)
                    .put("sdp", reply.sdp()));
        } else if (reply.type() == MediaReplyType.ENDED) {
            log.submit(new RoomCommand.SfuMessage(peer.room(), me, peer.sessionId(), ref,
                    json.createObjectNode().put("type", "sfu-ended").put("reason", reply.reason())));
        } else if (reply.type() == MediaReplyType.ERROR && me.equals(peer.instance())) {
            sockets.sendTo(peer.connection(), sockets.errorJson("media-error", reply.reason()));
        }
    }

    /**
     * An offer or answer from media-service for a session: written to the room log (numbered, replayed after a
     * resume; every instance that read the reply writes it under the same {@code ref}, the log keeps the first), and,
     * as with early relay, sent at once by the instance that holds the session's socket if its client asked. The
     * relay id comes from the reference, so the early copy and every logged one carry the same {@code rid}.
     */
    private synchronized void fromSfu(Member peer, String ref, ObjectNode message) {
        String rid = "sfu:" + ref;
        message.put("rid", rid);
        String pair = EarlyRelay.pair(ClientMessage.SFU, peer.sessionId());
        boolean early = me.equals(peer.instance()) && !earlyRelay.waitsForLog(pair)
                && earlyRelay.send(peer.connection(), message.toString());
        if (!early) {
            earlyRelay.logOnly(pair, rid);
        }
        log.submit(new RoomCommand.SfuMessage(peer.room(), me, peer.sessionId(), ref, message));
    }

    /** SFU relay: the client's offer goes to media-service, whose answer comes back from "sfu". */
    public Reply relay(RelayMessage msg, Member from, WebSocketConnection connection) {
        String type = msg.type();
        if (!ClientMessage.SFU.equals(msg.to())) {
            return Reply.error("unknown-peer", "in an SFU room, send " + type + " to \"" + ClientMessage.SFU + "\"");
        }
        switch (type) {
            case "offer" -> offer(from, msg.sdp(), connection);
            case "answer" -> media.tell(MediaCommandType.ANSWER, from.mediaNode(), from.room(), from.sessionId(),
                    msg.sdp());
            default -> {
                // media-service gathers nothing from trickled candidates: it learns the client's address from the
                // client's connectivity checks (peer-reflexive), so candidates for the SFU are accepted and dropped.
            }
        }
        return null;
    }

    /** A client's offer goes to its endpoint; media-service's answer reaches the client, or why there is none. */
    private void offer(Member from, String sdp, WebSocketConnection connection) {
        media.request(MediaCommandType.OFFER, from.mediaNode(), from.room(), from.sessionId(), sdp)
                .whenComplete((reply, failure) -> {
                    if (failure != null || reply.type() != MediaReplyType.ANSWER) {
                        Sockets.send(connection, sockets.errorJson(code(failure), why(reply, failure)));
                    } else {
                        fromSfu(rooms.member(from.sessionId()).orElse(from), "answer:" + reply.requestId(),
                                json.createObjectNode().put("type", "answer").put("from", ClientMessage.SFU)
                                        .put("sdp", reply.sdp()));
                    }
                });
    }

    /**
     * An SFU room's client asks media-service to restart ICE on its connection: the SFU then sends an offer with new
     * ICE credentials (the client never offers again in an SFU room). In a P2P room an ICE restart is a new offer.
     */
    public Reply iceRestart(ClientMessage.IceRestart msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu(msg.type(), msg.to(), "ice-restart is for SFU rooms; in a P2P room send a"
                + " new offer with new ICE credentials to the peer", connection);
        if (refused != null) {
            return refused;
        }
        Member from = memberOf(connection);
        if (from == null) {
            return Reply.error("not-joined", "the join is not complete yet");
        }
        media.tell(MediaCommandType.ICE_RESTART, from.mediaNode(), from.room(), from.sessionId(), null);
        return null;
    }

    /**
     * An SFU room's client reports that its connection to the SFU stopped carrying media: written to the room log for
     * the leader, which takes the node for gone if its pings agree ({@link RoomMover#stalled}). At most one a second
     * per session is written; more are dropped without an error, as is a report while the log is not taking
     * commands (the pings find a dead node anyway, only later).
     */
    public Reply sfuStalled(ClientMessage.SfuStalled msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu(msg.type(), msg.to(), "sfu-stalled is for SFU rooms", connection);
        if (refused != null) {
            return refused;
        }
        Member from = memberOf(connection);
        if (from == null || from.mediaNode() == null || sockets.draining() || !log.accepting()) {
            return null;
        }
        long now = System.currentTimeMillis();
        Long last = stallWritten.get(from.sessionId());
        if (last != null && now - last < 1_000) {
            return null;
        }
        Long moved = movedAt.get(from.sessionId());
        if (moved != null && now - moved < RoomMover.STALL_WINDOW_MS) {
            // About the connection the move just replaced (sent before the client took sfu-moved): the node it
            // names now is the new one, which is busy taking the room, not stalled.
            return null;
        }
        stallWritten.put(from.sessionId(), now);
        if (stallWritten.size() > 10_000) {
            stallWritten.values().removeIf(at -> now - at > 1_000);
        }
        log.submit(new RoomCommand.SfuStalled(from.room(), me, from.sessionId(), from.mediaNode(), now));
        return null;
    }

    /**
     * An SFU room's subscriber asks media-service for a simulcast layer (low, medium, high, or auto for bandwidth
     * alone) of one track or of all it receives. P2P peers negotiate layers with each other, so there it is wrong-mode.
     */
    public Reply setQuality(ClientMessage.SetQuality msg, WebSocketConnection connection) {
        Reply refused = refuseOutsideSfu(msg.type(), msg.to(), "set-quality is for SFU rooms", connection);
        if (refused != null) {
            return refused;
        }
        QualityRequest request;
        try {
            request = msg.request();
        } catch (QualityRequest.BadQualityRequestException e) {
            return Reply.error("bad-message", e.getMessage());
        }
        Member from = memberOf(connection);
        if (from == null) {
            return Reply.error("not-joined", "the join is not complete yet");
        }
        media.setQuality(from.mediaNode(), from.room(), from.sessionId(), request);
        return null;
    }

    /**
     * The refusal of a message only an SFU room's client sends to {@code "sfu"}: not joined, a P2P room
     * ({@code wrongMode} says what to do there), or another addressee. Null when it may go on.
     */
    private Reply refuseOutsideSfu(String type, String to, String wrongMode, WebSocketConnection connection) {
        Sockets.Binding b = sockets.binding(connection.id());
        if (b == null) {
            return Reply.error("not-joined", "join a room before sending " + type);
        }
        if (b.mode() != RoomMode.SFU) {
            return Reply.error("wrong-mode", wrongMode);
        }
        if (!ClientMessage.SFU.equals(to)) {
            return Reply.error("unknown-peer", "in an SFU room, send " + type + " to \"" + ClientMessage.SFU + "\"");
        }
        return null;
    }

    private Member memberOf(WebSocketConnection connection) {
        Sockets.Binding b = sockets.binding(connection.id());
        return b == null ? null : rooms.member(b.sessionId()).orElse(null);
    }

    /**
     * An applied record's SFU side, on every instance: an SFU message's early copy is no longer overtaken; a stall
     * report goes to the room mover; a moved room's sessions whose sockets are here get endpoints on the new node.
     */
    public void applied(RoomCommand command, Outcome outcome) {
        if (command instanceof RoomCommand.SfuMessage m) {
            earlyRelay.applied(EarlyRelay.pair(ClientMessage.SFU, m.sessionId()), m.message().path("rid").asText(null));
        }
        if (outcome instanceof Outcome.Stalled st) {
            mover.stalled(st.node(), st.atMs());
        }
        if (outcome instanceof Outcome.Moved moved) {
            moved.members().stream().filter(m -> me.equals(m.instance()) && m.admitted())
                    .forEach(m -> moveEndpoint(moved, m));
        }
    }

    /**
     * A session of a moved room whose socket this instance holds: an endpoint on the new node, and at the same time
     * the client is told to connect again ({@code sfu-moved}: it drops its SFU connection and offers anew, to the new
     * node through signaling); the old node's endpoint is ended once the new one exists. The client's offer cannot
     * overtake the allocation: both are commands for the same room, from this instance's one producer, so they reach
     * the node in order on the room's partition; the allocation's round trip is off the path to video.
     */
    private void moveEndpoint(Outcome.Moved moved, Member m) {
        long now = System.currentTimeMillis();
        movedAt.put(m.sessionId(), now);
        if (movedAt.size() > 10_000) {
            movedAt.values().removeIf(at -> now - at > RoomMover.STALL_WINDOW_MS);
        }
        WebSocketConnection socket = sockets.socket(m.connection());
        CompletionStage<MediaReply> allocated = allocate(moved.to(), m.room(), m.sessionId());
        if (socket != null) {
            int others = (int) rooms.members(m.room()).stream()
                    .filter(o -> !o.sessionId().equals(m.sessionId())).count();
            Sockets.send(socket, json.createObjectNode().put("type", "sfu-moved").put("reason", moved.reason())
                    .put("peers", others).toString());
        }
        allocated.whenComplete((reply, failure) -> {
            media.tell(MediaCommandType.END, moved.from(), m.room(), m.sessionId(), null);
            if (!allocated(reply, failure)) {
                if (socket != null) {
                    Sockets.send(socket, notTakenAfterMove(reply, failure));
                }
                return;
            }
            events.publish(SessionEvent.builder(SessionEventType.MEDIA_MOVED, m.sessionId(), EventSource.SIGNALING)
                    .roomId(m.room()).peerId(m.peerId()).mediaNode(moved.to())
                    .reason(MediaNodes.moveInPlainWords(moved.from(), moved.to(), moved.reason())).build());
            LOG.infof("session %s of room %s moved from media node %s to %s (%s)", m.sessionId(), m.room(),
                    moved.from(), moved.to(), moved.reason());
        });
    }
}
