package io.icemesh.media.endpoint;

import io.icemesh.media.dtls.DtlsSession;
import io.icemesh.media.dtls.Fingerprint;
import io.icemesh.media.forward.EndpointStreams;
import io.icemesh.media.ice.IceSession;
import io.icemesh.media.ice.PacketPool;
import io.icemesh.media.rtp.PacketClass;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpProfile;
import io.icemesh.media.srtp.SrtpSession;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferHandler;
import org.jboss.logging.Logger;

/**
 * One client in a room: its ICE agent, DTLS server and SRTP keys, the tracks it publishes, and the tracks it is
 * forwarded. The forwarding path reads only volatile immutable snapshots ({@link #publishedBySsrc},
 * {@link #forwarded}, {@link #srtp}); the control plane replaces them under the room registry's lock.
 */
public final class Endpoint implements BufferHandler, DtlsSession.Listener, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Endpoint.class);

    private final String id;
    private final String roomId;
    private final NodeContext node;
    /** The ICE agent packets are sent on; replaced when a restarted agent connects. */
    private volatile IceSession ice;
    /** The agent of an ICE restart in progress (offered, perhaps answered, not yet connected), else null. */
    private volatile IceSession restartingIce;
    private int iceRestarts;
    private final long createdNanos = System.nanoTime();
    private volatile long lastActivityNanos = createdNanos;
    private final AtomicBoolean firstRtpIn = new AtomicBoolean();
    private final AtomicBoolean firstRtpOut = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final PacketBuffer rtcpOut = new PacketBuffer(new byte[PacketPool.BUFFER_SIZE], 0, 0);
    private volatile io.icemesh.media.room.Room room;
    private volatile DtlsSession dtls;
    private volatile SrtpSession srtp;
    private volatile Map<Integer, Track> publishedBySsrc = Map.of();
    private volatile List<Track> published = List.of();
    private volatile Set<Track> forwarded = Set.of();
    /** The SSRCs subscribers know this endpoint's tracks by (media and RTX), for routing their feedback. */
    private volatile Map<Integer, Track> outgoingBySsrc = Map.of();
    /** Header extension ids of the client's offer that name a simulcast packet's section and layer; 0 when absent. */
    private volatile int midExtensionId;
    private volatile int ridExtensionId;
    private volatile int repairedRidExtensionId;
    /** DTLS records bctls sent before ICE had a pair (the server's first flight); guarded by itself. */
    private final java.util.ArrayDeque<byte[]> heldDtls = new java.util.ArrayDeque<>();
    private boolean iceUp;
    static final int MAX_HELD_DTLS = 16;
    /** Per-stream state of the forwarding path (statistics, packet caches, RTX, REMB); its own synchronisation. */
    private final EndpointStreams streams = new EndpointStreams();
    /** Negotiation state: only touched under the room registry's lock. */
    private final Negotiation negotiation = new Negotiation();

    /** Offer/answer state; only used under the room registry's lock. */
    public Negotiation negotiation() {
        return negotiation;
    }

    public Endpoint(String id, String roomId, NodeContext node) throws IOException {
        this.id = id;
        this.roomId = roomId;
        this.node = node;
        this.ice = new IceSession(node.harvesters(), this, new IceEvents());
    }

    public String id() {
        return id;
    }

    /** The forwarding path's per-stream state for this endpoint. */
    public EndpointStreams streams() {
        return streams;
    }

    public String roomId() {
        return roomId;
    }

    /** The room, for the forwarding path's member snapshot. */
    public io.icemesh.media.room.Room room() {
        return room;
    }

    /** Set once by the room registry when the endpoint joins. */
    public void joined(io.icemesh.media.room.Room r) {
        room = r;
    }

    /** The ICE agent in use. */
    public IceSession ice() {
        return ice;
    }

    /** The agent whose credentials the SFU's next offer carries: a restart in progress, else the one in use. */
    public IceSession offeredIce() {
        IceSession r = restartingIce;
        return r != null ? r : ice;
    }

    /** The agent of an ICE restart in progress, or null. */
    public IceSession restartingIce() {
        return restartingIce;
    }

    /**
     * Starts an ICE restart (RFC 8445 section 9): a new agent with a fresh ufrag and password, whose credentials the
     * next offer carries. The agent in use keeps carrying media until the new one connects; DTLS and SRTP stay as
     * they are. A restart begun before an earlier one connected replaces it. Called under the room registry's lock.
     */
    IceSession beginIceRestart() throws IOException {
        IceSession previous = restartingIce;
        IceSession next = new IceSession(node.harvesters(), this, new IceEvents());
        restartingIce = next;
        iceRestarts++;
        if (previous != null) {
            previous.close();
        }
        return next;
    }

    /** The client's answer to a restart offer: the new agent starts its checks with the client's new credentials. */
    void completeIceRestart(String remoteUfrag, String remotePwd, List<io.icemesh.media.sdp.Candidate> candidates) {
        IceSession r = restartingIce;
        if (r != null) {
            r.start(remoteUfrag, remotePwd, candidates);
        }
    }

    /** ICE restarts begun on this endpoint. */
    public int iceRestarts() {
        return iceRestarts;
    }

    NodeContext node() {
        return node;
    }

    /** Keys once DTLS completed, else null. */
    public SrtpSession srtp() {
        return srtp;
    }

    /** The tracks this endpoint publishes. */
    public List<Track> published() {
        return published;
    }

    /** The track with this media or RTX SSRC, or null. */
    public Track publishedTrack(int ssrc) {
        return publishedBySsrc.get(ssrc);
    }

    /** Whether this endpoint currently receives {@code track}. */
    public boolean forwards(Track track) {
        return forwarded.contains(track);
    }

    public Set<Track> forwardedTracks() {
        return forwarded;
    }

    /** The track subscribers receive on this SSRC (media or RTX), or null: where their PLI, FIR and NACK go. */
    public Track outgoingTrack(int ssrc) {
        return outgoingBySsrc.get(ssrc);
    }

    void setPublished(List<Track> tracks) {
        Map<Integer, Track> bySsrc = new java.util.HashMap<>();
        Map<Integer, Track> out = new java.util.HashMap<>();
        for (Track t : tracks) {
            out.put(t.ssrc(), t);
            if (t.source().rtxSsrc() != 0) {
                out.put(t.source().rtxSsrc(), t);
            }
            if (t.isSimulcast()) {
                continue;
            }
            bySsrc.put(t.ssrc(), t);
            if (t.source().rtxSsrc() != 0) {
                bySsrc.put(t.source().rtxSsrc(), t);
            }
        }
        published = List.copyOf(tracks);
        publishedBySsrc = Map.copyOf(bySsrc);
        outgoingBySsrc = Map.copyOf(out);
    }

    /** The ids the client's offer gave the mid, rid and repaired-rid header extensions (RFC 8843, RFC 8852). */
    void setSimulcastExtensionIds(int mid, int rid, int repairedRid) {
        midExtensionId = mid;
        ridExtensionId = rid;
        repairedRidExtensionId = repairedRid;
    }

    /** A simulcast layer an unknown SSRC claims to be, from its header extensions; not yet trusted. */
    public record LayerClaim(Track track, Layer layer, boolean rtx) {
    }

    /**
     * Which simulcast layer a packet on an SSRC not yet known belongs to, read from its rid (or repaired-rid, for RTX)
     * and mid header extensions (browsers send them until the SSRC is acknowledged by a receiver report); null when
     * the packet names none of this endpoint's layers. The caller learns the SSRC only after SRTP authenticated it.
     */
    public LayerClaim identifyLayer(byte[] buf, int offset, int length) {
        int ridId = ridExtensionId;
        int rridId = repairedRidExtensionId;
        int midId = midExtensionId;
        if (ridId == 0 && rridId == 0) {
            return null;
        }
        String[] found = new String[3];
        int n = io.icemesh.media.rtp.RtpHeaderExtensions.forEach(buf, offset, length, (id, at, len) -> {
            if (id == ridId && ridId != 0) {
                found[0] = ascii(buf, at, len);
            } else if (id == rridId && rridId != 0) {
                found[1] = ascii(buf, at, len);
            } else if (id == midId && midId != 0) {
                found[2] = ascii(buf, at, len);
            }
        });
        if (n <= 0) {
            return null;
        }
        boolean rtx = found[0] == null;
        String rid = rtx ? found[1] : found[0];
        if (rid == null) {
            return null;
        }
        for (Track t : published) {
            if (!t.isSimulcast() || (found[2] != null && !found[2].equals(t.mid()))) {
                continue;
            }
            Layer l = t.layer(rid);
            if (l != null) {
                return new LayerClaim(t, l, rtx);
            }
        }
        return null;
    }

    /**
     * Records that {@code ssrc} carries the claimed layer (its media, or its RTX), replacing an SSRC the layer had
     * before; the forwarding path finds it by {@link #publishedTrack} from then on. At most two SSRCs per layer.
     */
    public synchronized void learnLayerSsrc(LayerClaim claim, int ssrc) {
        Layer l = claim.layer();
        Map<Integer, Track> next = new java.util.HashMap<>(publishedBySsrc);
        int previous = claim.rtx() ? l.rtxSsrc() : l.ssrc();
        if (previous != 0 && previous != ssrc) {
            next.remove(previous);
        }
        if (claim.rtx()) {
            l.rtxSsrc(ssrc);
        } else {
            l.ssrc(ssrc);
        }
        next.put(ssrc, claim.track());
        publishedBySsrc = Map.copyOf(next);
        LOG.infof("endpoint %s: simulcast layer %s of %s is SSRC %d%s", id, l.rid(), claim.track().mid(),
                ssrc & 0xFFFFFFFFL, claim.rtx() ? " (RTX)" : "");
    }

    private static String ascii(byte[] buf, int at, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            int c = buf[at + i] & 0xFF;
            if (c == 0) {
                break;
            }
            if (c < 0x21 || c > 0x7E) {
                return null;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    void setForwarded(Set<Track> tracks) {
        forwarded = Set.copyOf(tracks);
    }

    /** Starts ICE with the client's credentials and candidates, and the DTLS server waiting for its ClientHello. */
    void startTransport(String remoteUfrag, String remotePwd, Fingerprint clientFingerprint,
            List<io.icemesh.media.sdp.Candidate> candidates) {
        DtlsSession d = new DtlsSession(id, node.certificate(), clientFingerprint, node.srtpProfiles(),
                node.dtlsHandshakeTimeout(), this::sendDtls, this);
        dtls = d;
        d.start();
        ice.start(remoteUfrag, remotePwd, candidates);
    }

    /** Push API: every non-STUN datagram from this endpoint's client, on the harvester thread. */
    @Override
    public void handleBuffer(Buffer buffer) {
        long now = System.nanoTime();
        lastActivityNanos = now;
        try {
            ice.payloadFrom(buffer.getRemoteAddress(), now);
            byte[] b = buffer.getBuffer();
            int off = buffer.getOffset();
            int len = buffer.getLength();
            switch (PacketClass.of(b, off, len)) {
                case DTLS -> {
                    DtlsSession d = dtls;
                    if (d != null) {
                        d.receive(b, off, len);
                    }
                }
                case RTP -> node.packets().rtp(this, b, off, len);
                case RTCP -> node.packets().rtcp(this, b, off, len);
                default -> node.packets().dropped(this, "unknown-class");
            }
        } catch (RuntimeException e) {
            // This runs on the one receive thread of the node's UDP port: a bug must cost one packet, never the port.
            LOG.errorf(e, "endpoint %s: packet dropped on an internal error", id);
            node.packets().dropped(this, "internal-error");
        } finally {
            PacketPool.give(buffer);
        }
    }

    /**
     * Sends a DTLS record. The client starts its handshake as soon as its own checks succeed, usually a few
     * milliseconds before ice4j has a pair to send on: the server's first flight is held (at most
     * {@link #MAX_HELD_DTLS} records) and sent when ICE connects, instead of being lost and waiting for a
     * retransmission (which cost a joining client about 70 ms). Past that, or after ICE connected, a record that
     * cannot be sent is dropped like a lost datagram and bctls retransmits it.
     */
    private void sendDtls(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
        } catch (IOException e) {
            synchronized (heldDtls) {
                if (!iceUp && heldDtls.size() < MAX_HELD_DTLS) {
                    heldDtls.add(java.util.Arrays.copyOfRange(buf, offset, offset + length));
                    return;
                }
            }
            node.packets().dropped(this, "no-ice-pair");
        }
    }

    /** Sends the DTLS records held while ICE had no pair; once ICE connected. */
    private void flushHeldDtls() {
        byte[][] records;
        synchronized (heldDtls) {
            iceUp = true;
            records = heldDtls.toArray(new byte[0][]);
            heldDtls.clear();
        }
        for (byte[] r : records) {
            try {
                ice.send(r, 0, r.length);
            } catch (IOException e) {
                node.packets().dropped(this, "no-ice-pair");
            }
        }
        if (records.length > 0) {
            LOG.debugf("endpoint %s: %d DTLS records held until ICE connected, sent", id, records.length);
        }
    }

    /** Sends an already protected packet to the client. */
    public void send(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
        } catch (IOException e) {
            node.packets().dropped(this, "send-failed");
        }
    }

    /**
     * Protects and sends an RTCP compound the SFU originates (key frame requests); rare, so serialised here rather
     * than on the forwarding path. Returns false when keys are missing or protection failed.
     */
    public synchronized boolean sendRtcp(byte[] plain, int offset, int length, int senderSsrc) {
        SrtpSession s = srtp;
        if (s == null) {
            return false;
        }
        System.arraycopy(plain, offset, rtcpOut.getBuffer(), 0, length);
        rtcpOut.set(rtcpOut.getBuffer(), 0, length);
        int n = s.protectRtcp(rtcpOut, senderSsrc);
        if (n < 0) {
            return false;
        }
        send(rtcpOut.getBuffer(), rtcpOut.getOffset(), n);
        return true;
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

    /** One agent's outcome. Events of an agent that was replaced by a restart are ignored. */
    private final class IceEvents implements IceSession.Listener {

        @Override
        public void iceConnected(IceSession s, String localType, String remoteType, String remoteAddress) {
            IceSession old = null;
            boolean restarted = false;
            synchronized (Endpoint.this) {
                if (finished.get()) {
                    return;
                }
                if (s == restartingIce) {
                    old = ice;
                    ice = s;
                    restartingIce = null;
                    restarted = true;
                } else if (s != ice) {
                    return;
                }
            }
            if (old != null) {
                old.close();
            }
            flushHeldDtls();
            LOG.infof("endpoint %s room %s: ICE %s (%s -> %s %s)", id, roomId, restarted ? "restarted" : "connected",
                    localType, remoteType, remoteAddress);
            if (restarted) {
                node.observer().iceRestarted(Endpoint.this, localType, remoteType);
            } else {
                node.observer().iceConnected(Endpoint.this, localType, remoteType, System.nanoTime() - createdNanos);
            }
        }

        @Override
        public void iceFailed(IceSession s, String reason) {
            if (finished.get() || (s != ice && s != restartingIce)) {
                return;
            }
            node.observer().transportFailed(Endpoint.this, s == restartingIce ? reason + " (after ICE restart)" : reason);
        }
    }

    @Override
    public void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial) {
        srtp = new SrtpSession(profile, keyingMaterial, true, node.maxSsrcsPerEndpoint());
        LOG.infof("endpoint %s room %s: DTLS connected, %s", id, roomId, profile);
        node.observer().dtlsConnected(this, profile, System.nanoTime() - createdNanos);
    }

    @Override
    public void dtlsFailed(String reason) {
        if (!finished.get()) {
            LOG.infof("endpoint %s room %s: %s", id, roomId, reason);
            node.observer().transportFailed(this, reason);
        }
    }

    /** When the client last sent DTLS, RTP or RTCP (or the endpoint was created), in {@link System#nanoTime()}. */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** Whether {@link #close} ran. */
    public boolean isClosed() {
        return finished.get();
    }

    @Override
    public void close() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        DtlsSession d = dtls;
        if (d != null) {
            d.close();
        }
        ice.close();
        IceSession r = restartingIce;
        if (r != null) {
            r.close();
        }
        SrtpSession s = srtp;
        if (s != null) {
            s.close();
        }
    }
}
