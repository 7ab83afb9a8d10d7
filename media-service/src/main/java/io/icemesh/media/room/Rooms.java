package io.icemesh.media.room;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.sdp.SdpException;
import io.icemesh.media.stream.Quality;
import io.icemesh.media.track.Track;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The node's rooms and the control plane over them: allocate, the client's offer, answers to the SFU's offers, and
 * ending. Every control change is serialised by this object's lock (commands are few; packets never take it), and
 * after each change the affected endpoints are renegotiated.
 */
public final class Rooms {

    private final Logger log;

    private final Map<String, Room> rooms = new HashMap<>();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final NodeContext node;
    private final ReplySink replies;
    private final int capacity;
    private final BiConsumer<Endpoint, Track> keyframeRequester;
    private final Consumer<Endpoint> layerReselection;
    private volatile boolean draining;

    /**
     * @param keyframeRequester asks a track's publisher for a key frame for a subscriber that starts receiving it
     * @param layerReselection re-chooses a subscriber's simulcast layers after it asked for a quality
     */
    public Rooms(NodeContext node, ReplySink replies, int capacity, BiConsumer<Endpoint, Track> keyframeRequester,
            Consumer<Endpoint> layerReselection) {
        this(node, replies, capacity, keyframeRequester, layerReselection, Logger.getLogger(Rooms.class));
    }

    /** @param log where its INFO lines go ({@link RoomsWarmUp}'s registry logs under a category of its own) */
    Rooms(NodeContext node, ReplySink replies, int capacity, BiConsumer<Endpoint, Track> keyframeRequester,
            Consumer<Endpoint> layerReselection, Logger log) {
        this.log = log;
        this.node = node;
        this.replies = replies;
        this.capacity = capacity;
        this.keyframeRequester = keyframeRequester;
        this.layerReselection = layerReselection;
    }

    /** Endpoints on this node now. */
    public int endpointCount() {
        return endpoints.size();
    }

    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Creates the endpoint (idempotent for the same room) and replies ALLOCATED. */
    public synchronized void allocate(String requestId, String roomId, String endpointId) throws ControlException {
        Endpoint existing = endpoints.get(endpointId);
        if (existing != null) {
            if (!existing.roomId().equals(roomId)) {
                throw new ControlException("endpoint " + endpointId + " is in another room");
            }
            replies.allocated(requestId, roomId, endpointId);
            return;
        }
        if (draining) {
            throw new ControlException("node draining");
        }
        if (endpoints.size() >= capacity) {
            throw new ControlException("node full (" + capacity + " endpoints)");
        }
        Endpoint e;
        try {
            e = new Endpoint(endpointId, roomId, node);
        } catch (IOException | RuntimeException ex) {
            throw new ControlException("cannot create ICE agent: " + ex.getMessage());
        }
        endpoints.put(endpointId, e);
        Room room = rooms.computeIfAbsent(roomId, Room::new);
        e.joined(room);
        room.add(e);
        log.infof("endpoint %s allocated in room %s", endpointId, roomId);
        replies.allocated(requestId, roomId, endpointId);
    }

    /** The client's first offer: reply ANSWER, then offer its tracks to the others and theirs to it. */
    public synchronized void offer(String requestId, String roomId, String endpointId, String sdp)
            throws ControlException {
        Endpoint e = endpoint(roomId, endpointId);
        String answer;
        long started = System.nanoTime();
        try {
            answer = e.negotiation().answerFirstOffer(e, sdp, rooms.get(roomId).tracksFor(e));
        } catch (SdpException ex) {
            throw new ControlException("bad offer: " + ex.getMessage());
        }
        replies.answer(requestId, roomId, endpointId, answer);
        log.infof("answered endpoint %s in room %s in %d ms, sending %d tracks of others", endpointId, roomId,
                (System.nanoTime() - started) / 1_000_000, e.forwardedTracks().size());
        // Asked now rather than when the subscriber's DTLS completes: the key frame is then cached by the time it
        // connects, and replayed to it with its first packet of the track (forward.FanOut).
        e.forwardedTracks().stream().filter(Track::keyframesReplayable).forEach(t -> keyframeRequester.accept(e, t));
        Room room = rooms.get(roomId);
        for (Endpoint other : room.members()) {
            if (other != e) {
                renegotiate(room, other);
            }
        }
        renegotiate(room, e);
    }

    /** The client's answer to the SFU's offer. */
    public synchronized void answer(String roomId, String endpointId, String sdp) throws ControlException {
        Endpoint e = endpoint(roomId, endpointId);
        Set<Track> added;
        try {
            added = e.negotiation().applyAnswer(e, sdp);
        } catch (SdpException ex) {
            throw new ControlException("bad answer: " + ex.getMessage());
        }
        log.infof("answer from endpoint %s in room %s: now forwarded %d tracks", endpointId, roomId,
                e.forwardedTracks().size());
        if (e.srtp() != null) {
            added.forEach(t -> keyframeRequester.accept(e, t));
        }
        if (e.negotiation().takePending()) {
            renegotiate(rooms.get(roomId), e);
        }
    }

    /**
     * The client asked for an ICE restart: the SFU offers new ICE credentials (now, or after the answer to the offer
     * outstanding); the client's answer starts the new agent.
     */
    public synchronized void iceRestart(String roomId, String endpointId) throws ControlException {
        Endpoint e = endpoint(roomId, endpointId);
        try {
            e.negotiation().requestIceRestart();
        } catch (SdpException ex) {
            throw new ControlException(ex.getMessage());
        }
        log.infof("ICE restart requested by endpoint %s in room %s", endpointId, roomId);
        renegotiate(rooms.get(roomId), e);
    }

    /**
     * The subscriber's simulcast quality request (low, medium, high or auto) for one track it receives, by the
     * track id it sees, or for all with a null {@code trackId}. Tracks that are not simulcast are unaffected.
     */
    public synchronized void setQuality(String roomId, String endpointId, String quality, String trackId)
            throws ControlException {
        Endpoint e = endpoint(roomId, endpointId);
        Quality q = Quality.parse(quality);
        if (q == null) {
            throw new ControlException("quality must be low, medium, high or auto, not " + quality);
        }
        if (trackId != null && (trackId.isBlank() || trackId.length() > 128)) {
            throw new ControlException("trackId must be 1 to 128 characters");
        }
        if (!e.streams().requestQuality(trackId, q)) {
            throw new ControlException("too many per-track quality requests");
        }
        log.infof("endpoint %s in room %s asks for %s quality%s", endpointId, roomId, q,
                trackId == null ? "" : " of track " + trackId);
        layerReselection.accept(e);
    }

    /** Ends the endpoint on request; replies ENDED. */
    public synchronized void end(String requestId, String roomId, String endpointId) throws ControlException {
        Endpoint e = endpoint(roomId, endpointId);
        remove(e);
        replies.ended(requestId, roomId, endpointId, "requested");
    }

    /** Ends an endpoint whose ICE or DTLS failed; replies ENDED with the reason. */
    public synchronized void fail(Endpoint e, String reason) {
        if (endpoints.get(e.id()) != e) {
            return;
        }
        remove(e);
        replies.ended(null, e.roomId(), e.id(), reason);
    }

    /** Ends endpoints whose client sent nothing since {@code idleNanos} before {@code nowNanos}; replies ENDED idle. */
    public synchronized int endIdle(long nowNanos, long idleNanos) {
        int ended = 0;
        for (Endpoint e : endpoints.values().toArray(new Endpoint[0])) {
            if (nowNanos - e.transport().lastActivityNanos() > idleNanos) {
                log.infof("endpoint %s in room %s idle, ending it", e.id(), e.roomId());
                remove(e);
                replies.ended(null, e.roomId(), e.id(), "idle");
                ended++;
            }
        }
        return ended;
    }

    /** Ends every endpoint (shutdown after the drain grace). */
    public synchronized void endAll(String reason) {
        for (Endpoint e : endpoints.values().toArray(new Endpoint[0])) {
            remove(e);
            replies.ended(null, e.roomId(), e.id(), reason);
        }
    }

    /** The rooms on this node now with their endpoint counts, by room id. */
    public synchronized java.util.SortedMap<String, Integer> endpointsByRoom() {
        java.util.SortedMap<String, Integer> out = new java.util.TreeMap<>();
        rooms.forEach((id, room) -> out.put(id, room.members().length));
        return out;
    }

    /** Every endpoint now, for the report timer. */
    public Endpoint[] endpoints() {
        return endpoints.values().toArray(new Endpoint[0]);
    }

    /** The endpoint with this id, for packet-independent lookups (tests, health). */
    public Endpoint find(String endpointId) {
        return endpoints.get(endpointId);
    }

    /** The endpoint's room. */
    public synchronized Room room(String roomId) {
        return rooms.get(roomId);
    }

    private void remove(Endpoint e) {
        endpoints.remove(e.id(), e);
        Room room = rooms.get(e.roomId());
        e.close();
        if (room == null) {
            return;
        }
        room.remove(e);
        if (room.isEmpty()) {
            rooms.remove(room.id());
            return;
        }
        for (Endpoint other : room.members()) {
            renegotiate(room, other);
        }
        log.infof("endpoint %s left room %s", e.id(), e.roomId());
    }

    private void renegotiate(Room room, Endpoint subscriber) {
        String offer = subscriber.negotiation().renegotiate(subscriber, room.tracksFor(subscriber));
        if (offer != null) {
            log.infof("offer to endpoint %s in room %s: %d tracks of others", subscriber.id(), room.id(),
                    room.tracksFor(subscriber).size());
            replies.offer(room.id(), subscriber.id(), offer);
        }
    }

    private Endpoint endpoint(String roomId, String endpointId) throws ControlException {
        Endpoint e = endpoints.get(endpointId);
        if (e == null) {
            throw new ControlException("unknown endpoint " + endpointId);
        }
        if (!e.roomId().equals(roomId)) {
            throw new ControlException("endpoint " + endpointId + " is not in room " + roomId);
        }
        return e;
    }
}
