package io.icemesh.media.dtls;

import io.icemesh.media.srtp.SrtpProfile;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.jboss.logging.Logger;

/**
 * One endpoint's DTLS server. bctls' handshake is blocking, so it runs on a thread of its own, which stays for
 * {@link #DEFAULT_LINGER} after the handshake to answer the client's retransmitted last flight (when the server's
 * Finished was lost) and then ends: DTLS threads exist for endpoints being set up, not for every endpoint on the
 * node. Records arriving later (nothing a WebRTC client needs answered: no data channels) are dropped; a client's
 * close_notify is not needed to end an endpoint (signaling ends it, or the idle timeout does). Records arrive through
 * {@link #receive}; the outcome is reported once to the {@link Listener}.
 */
public final class DtlsSession implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DtlsSession.class);
    private static final JcaTlsCrypto CRYPTO = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(new SecureRandom());
    /** How long the post-handshake loop waits per read before checking whether it should stop. */
    private static final int IDLE_POLL_MILLIS = 1_000;
    /** How long the thread stays after the handshake: covers a client's flight retransmissions (RFC 6347 4.2.4). */
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(15);

    /** Sends a record on the endpoint's ICE pair. */
    @FunctionalInterface
    public interface Sender {
        void send(byte[] buf, int offset, int length) throws IOException;
    }

    /** Told once how the handshake ended. */
    public interface Listener {
        /** The handshake completed; keys for SRTP. */
        void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial);

        /** The handshake failed or the peer closed before it completed. */
        void dtlsFailed(String reason);
    }

    private final String name;
    private final DtlsTransport transport;
    private final DtlsSrtpServer server;
    private final Listener listener;
    private volatile boolean closed;
    private volatile Thread thread;
    private final long lingerNanos;

    /**
     * @param name for the thread name and logs (the endpoint id)
     * @param sender sends on the endpoint's ICE pair
     */
    public DtlsSession(String name, DtlsCertificate certificate, Fingerprint clientFingerprint,
            List<SrtpProfile> profiles, Duration handshakeTimeout, Sender sender, Listener listener) {
        this(name, certificate, clientFingerprint, profiles, handshakeTimeout, DEFAULT_LINGER, sender, listener);
    }

    /** @param linger how long the thread answers retransmissions after the handshake */
    public DtlsSession(String name, DtlsCertificate certificate, Fingerprint clientFingerprint,
            List<SrtpProfile> profiles, Duration handshakeTimeout, Duration linger, Sender sender, Listener listener) {
        this.lingerNanos = linger.toNanos();
        this.name = name;
        this.transport = new DtlsTransport(sender);
        this.server = new DtlsSrtpServer(CRYPTO, certificate, clientFingerprint, profiles,
                (int) Math.min(Integer.MAX_VALUE, handshakeTimeout.toMillis()));
        this.listener = listener;
    }

    /** Starts the server thread; it waits for the client's first flight. */
    public synchronized void start() {
        if (thread != null || closed) {
            return;
        }
        Thread t = new Thread(this::run, "dtls-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Feeds a DTLS record the ICE layer received for this endpoint; false when it was dropped. */
    public boolean receive(byte[] buf, int offset, int length) {
        return transport.offer(buf, offset, length);
    }

    private void run() {
        DTLSTransport dtls;
        try {
            DTLSServerProtocol protocol = new DTLSServerProtocol();
            // ICE connectivity checks already proved the client owns its address (RFC 8842 section 5.4 relies on
            // ICE for that), so skip the HelloVerifyRequest round trip.
            protocol.setVerifyRequests(false);
            dtls = protocol.accept(server, transport);
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                listener.dtlsFailed("dtls-failed: " + e.getMessage());
            }
            return;
        }
        listener.dtlsConnected(server.chosenProfile(), server.keyingMaterial());
        byte[] buf = new byte[DtlsTransport.RECEIVE_LIMIT];
        long until = System.nanoTime() + lingerNanos;
        while (!closed && System.nanoTime() - until < 0) {
            try {
                // Application data over DTLS (data channels) is not offered by this SFU; reading keeps bctls
                // answering retransmitted client flights and seeing close_notify.
                dtls.receive(buf, 0, buf.length, IDLE_POLL_MILLIS);
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.debugf("dtls %s: closed by peer or failed: %s", name, e.getMessage());
                }
                return;
            }
        }
        // Done: later records are dropped at once instead of queueing for a thread that is gone.
        transport.close();
    }

    /** Whether the DTLS thread runs (handshake, or the linger after it). */
    public boolean threadAlive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        transport.close();
    }
}
