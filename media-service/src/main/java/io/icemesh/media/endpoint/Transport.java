package io.icemesh.media.endpoint;

import io.icemesh.media.dtls.DtlsSession;
import io.icemesh.media.dtls.Fingerprint;
import io.icemesh.media.ice.IceSession;
import io.icemesh.media.ice.PacketPool;
import io.icemesh.media.rtp.PacketClass;
import io.icemesh.media.sdp.Candidate;
import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpProfile;
import io.icemesh.media.srtp.SrtpSession;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferHandler;
import org.jboss.logging.Logger;

/**
 * One endpoint's transport: its ICE agent (and the agent of an ICE restart in progress), its DTLS server and the SRTP
 * keys DTLS gives, the demultiplexing of what the client sends (DTLS here, RTP and RTCP to the node's packet sink), and
 * sending. Outcomes go to the node's observer, once each.
 */
public final class Transport implements BufferHandler, DtlsSession.Listener {

    private static final Logger LOG = Logger.getLogger(Transport.class);
    static final int MAX_HELD_DTLS = 16;

    private final Endpoint owner;
    private final NodeContext node;
    /** The ICE agent packets are sent on; replaced when a restarted agent connects. */
    private volatile IceSession ice;
    /** The agent of an ICE restart in progress (offered, perhaps answered, not yet connected), else null. */
    private volatile IceSession restartingIce;
    private int iceRestarts;
    private final long createdNanos = System.nanoTime();
    private volatile long lastActivityNanos = createdNanos;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final PacketBuffer rtcpOut = new PacketBuffer(new byte[PacketPool.BUFFER_SIZE], 0, 0);
    private volatile DtlsSession dtls;
    private volatile SrtpSession srtp;
    /** DTLS records bctls sent before ICE had a pair (the server's first flight); guarded by itself. */
    private final ArrayDeque<byte[]> heldDtls = new ArrayDeque<>();
    private boolean iceUp;

    Transport(Endpoint owner, NodeContext node) throws IOException {
        this.owner = owner;
        this.node = node;
        this.ice = new IceSession(node.harvesters(), this, new IceEvents());
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

    /** ICE restarts begun on this endpoint. */
    public int iceRestarts() {
        return iceRestarts;
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
    void completeIceRestart(String remoteUfrag, String remotePwd, List<Candidate> candidates) {
        IceSession r = restartingIce;
        if (r != null) {
            r.start(remoteUfrag, remotePwd, candidates);
        }
    }

    /** Starts ICE with the client's credentials and candidates, and the DTLS server waiting for its ClientHello. */
    void start(String remoteUfrag, String remotePwd, Fingerprint clientFingerprint, List<Candidate> candidates) {
        DtlsSession d = new DtlsSession(owner.id(), node.certificate(), clientFingerprint, node.srtpProfiles(),
                node.dtlsHandshakeTimeout(), this::sendDtls, this);
        dtls = d;
        d.start();
        ice.start(remoteUfrag, remotePwd, candidates);
    }

    /** Keys once DTLS completed, else null. */
    public SrtpSession srtp() {
        return srtp;
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
                case RTP -> node.packets().rtp(owner, b, off, len);
                case RTCP -> node.packets().rtcp(owner, b, off, len);
                default -> node.packets().dropped(owner, "unknown-class");
            }
        } catch (RuntimeException e) {
            // This runs on the one receive thread of the node's UDP port: a bug must cost one packet, never the port.
            LOG.errorf(e, "endpoint %s: packet dropped on an internal error", owner.id());
            node.packets().dropped(owner, "internal-error");
        } finally {
            PacketPool.give(buffer);
        }
    }

    /**
     * Sends a DTLS record. The client starts its handshake as soon as its own checks succeed, usually a few
     * milliseconds before ice4j has a pair to send on: the server's first flight is held (at most
     * {@link #MAX_HELD_DTLS} records) and sent when ICE connects, instead of being lost and waiting for a
     * retransmission (which cost a joining client about 70 ms). Past that, or after ICE connected, a record that
     * cannot be sent is dropped like a lost datagram and bctls retransmits it. A record whose first try failed just
     * before ICE connected is tried again once it holds the lock the flush took.
     */
    private void sendDtls(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
        } catch (IOException e) {
            synchronized (heldDtls) {
                if (!iceUp && heldDtls.size() < MAX_HELD_DTLS) {
                    heldDtls.add(Arrays.copyOfRange(buf, offset, offset + length));
                    return;
                }
                if (iceUp && sendNow(buf, offset, length)) {
                    return; // ICE connected between the first try and the lock
                }
            }
            node.packets().dropped(owner, "no-ice-pair");
        }
    }

    private boolean sendNow(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
            return true;
        } catch (IOException e) {
            return false;
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
                node.packets().dropped(owner, "no-ice-pair");
            }
        }
        if (records.length > 0) {
            LOG.debugf("endpoint %s: %d DTLS records held until ICE connected, sent", owner.id(), records.length);
        }
    }

    /** Sends an already protected packet to the client. */
    public void send(byte[] buf, int offset, int length) {
        try {
            ice.send(buf, offset, length);
        } catch (IOException e) {
            node.packets().dropped(owner, "send-failed");
        }
    }

    /**
     * Protects and sends an RTCP compound the SFU originates (reports, key frame requests, NACKs); rare, so
     * serialised here rather than on the forwarding path. Returns false when keys are missing or protection failed.
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

    /** One agent's outcome. Events of an agent that was replaced by a restart are ignored. */
    private final class IceEvents implements IceSession.Listener {

        @Override
        public void iceConnected(IceSession s, String localType, String remoteType, String remoteAddress) {
            IceSession old = null;
            boolean restarted = false;
            synchronized (Transport.this) {
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
            LOG.infof("endpoint %s room %s: ICE %s (%s -> %s %s)", owner.id(), owner.roomId(),
                    restarted ? "restarted" : "connected", localType, remoteType, remoteAddress);
            if (restarted) {
                node.observer().iceRestarted(owner, localType, remoteType);
            } else {
                node.observer().iceConnected(owner, localType, remoteType, System.nanoTime() - createdNanos);
            }
        }

        @Override
        public void iceFailed(IceSession s, String reason) {
            if (finished.get() || (s != ice && s != restartingIce)) {
                return;
            }
            node.observer().transportFailed(owner, s == restartingIce ? reason + " (after ICE restart)" : reason);
        }
    }

    @Override
    public void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial) {
        long elapsed = System.nanoTime() - createdNanos;
        SrtpSession keys = new SrtpSession(profile, keyingMaterial, true, node.maxSsrcsPerEndpoint());
        boolean sent = false;
        try {
            // Before the keys are published: what this sends with them (a key frame from the cache) goes first. The
            // receive threads skip this endpoint until then (a fraction of a millisecond for a key frame's packets).
            sent = node.packets().keysReady(owner, keys);
        } catch (RuntimeException e) {
            LOG.errorf(e, "endpoint %s: sending at DTLS connect failed", owner.id());
        }
        srtp = keys;
        LOG.infof("endpoint %s room %s: DTLS connected, %s", owner.id(), owner.roomId(), profile);
        node.observer().dtlsConnected(owner, profile, elapsed);
        if (sent) {
            owner.markFirstRtpOut(); // after dtls-connected, as a session's timeline has them
        }
    }

    @Override
    public void dtlsFailed(String reason) {
        if (!finished.get()) {
            LOG.infof("endpoint %s room %s: %s", owner.id(), owner.roomId(), reason);
            node.observer().transportFailed(owner, reason);
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

    /** Ends DTLS, both ICE agents and the SRTP contexts; once. */
    void close() {
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
