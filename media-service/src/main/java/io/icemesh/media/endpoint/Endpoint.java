package io.icemesh.media.endpoint;

import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.EndpointStreams;
import io.icemesh.media.track.Publications;
import io.icemesh.media.track.Publisher;
import io.icemesh.media.track.Track;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client in a room, put together from its parts: its {@link Transport} (ICE, DTLS, SRTP keys, sending), the
 * tracks it publishes ({@link Publications}), the tracks it is forwarded, the forwarding path's per-stream state
 * ({@link EndpointStreams}) and its offer/answer state ({@link Negotiation}). The forwarding path reads only volatile
 * immutable snapshots; the control plane replaces them under the room registry's lock.
 */
public final class Endpoint implements Publisher, AutoCloseable {

    private final String id;
    private final String roomId;
    private final NodeContext node;
    private final Transport transport;
    private final Publications publications;
    private volatile RoomMembers room;
    private volatile Set<Track> forwarded = Set.of();
    private final AtomicBoolean firstRtpIn = new AtomicBoolean();
    private final AtomicBoolean firstRtpOut = new AtomicBoolean();
    /** Per-stream state of the forwarding path (statistics, packet caches, RTX, REMB); its own synchronisation. */
    private final EndpointStreams streams = new EndpointStreams();
    /** Negotiation state: only touched under the room registry's lock. */
    private final Negotiation negotiation = new Negotiation();

    public Endpoint(String id, String roomId, NodeContext node) throws IOException {
        this.id = id;
        this.roomId = roomId;
        this.node = node;
        this.publications = new Publications(id);
        this.transport = new Transport(this, node);
    }

    @Override
    public String id() {
        return id;
    }

    public String roomId() {
        return roomId;
    }

    NodeContext node() {
        return node;
    }

    /** ICE, DTLS, keys and sending. */
    public Transport transport() {
        return transport;
    }

    /** The tracks this endpoint publishes. */
    public Publications publications() {
        return publications;
    }

    /** The forwarding path's per-stream state for this endpoint. */
    public EndpointStreams streams() {
        return streams;
    }

    /** Offer/answer state; only used under the room registry's lock. */
    public Negotiation negotiation() {
        return negotiation;
    }

    /** The room's members, for the forwarding path; null before the endpoint joined. */
    public RoomMembers room() {
        return room;
    }

    /** Set once by the room registry when the endpoint joins. */
    public void joined(RoomMembers r) {
        room = r;
    }

    /** Whether this endpoint currently receives {@code track}. */
    public boolean forwards(Track track) {
        return forwarded.contains(track);
    }

    public Set<Track> forwardedTracks() {
        return forwarded;
    }

    void setForwarded(Set<Track> tracks) {
        forwarded = Set.copyOf(tracks);
    }

    /** Keys once DTLS completed, else null. */
    @Override
    public SrtpSession srtp() {
        return transport.srtp();
    }

    @Override
    public boolean sendRtcp(byte[] plain, int offset, int length, int senderSsrc) {
        return transport.sendRtcp(plain, offset, length, senderSsrc);
    }

    /** Marks the first RTP received; true only the first time. */
    public boolean markFirstRtpIn() {
        if (firstRtpIn.compareAndSet(false, true)) {
            node.observer().firstRtpIn(this);
            return true;
        }
        return false;
    }

    /** Marks the first RTP sent; true only the first time. */
    public boolean markFirstRtpOut() {
        if (firstRtpOut.compareAndSet(false, true)) {
            node.observer().firstRtpOut(this);
            return true;
        }
        return false;
    }

    /** Whether {@link #close} ran. */
    @Override
    public boolean isClosed() {
        return transport.isClosed();
    }

    @Override
    public void close() {
        transport.close();
    }
}
