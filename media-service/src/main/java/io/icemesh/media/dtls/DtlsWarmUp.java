package io.icemesh.media.dtls;

import io.icemesh.media.srtp.SrtpProfile;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * DTLS-SRTP handshakes in memory before a node takes rooms: the node's {@link DtlsSession} against a bctls client
 * playing the browser's part. A node's first handshake otherwise loads and interprets bctls and the JCA's EC code
 * while real clients wait: on a freshly started node three pages that connected together completed DTLS 0.8-1.2 s
 * after ICE, all at the same instant (FailoverBench's stage marks, docs/benchmarks.md). Nothing is sent on a network.
 */
public final class DtlsWarmUp {

    private static final JcaTlsCrypto CRYPTO = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(new SecureRandom());

    /** What the warm-up did: handshakes completed, the first one's and the last one's time. */
    public record Result(int handshakes, long firstMillis, long lastMillis) {
    }

    private DtlsWarmUp() {
    }

    /**
     * Runs up to {@code handshakes} handshakes one after another, stopping early when {@code budget} is spent (each
     * handshake is bounded by what is left of it) or one fails (the node then starts cold, as it would without the
     * warm-up).
     */
    public static Result run(DtlsCertificate node, List<SrtpProfile> profiles, int handshakes, Duration budget) {
        DtlsCertificate browser = DtlsCertificate.generate("icemesh-dtls-warm-up");
        long deadline = System.nanoTime() + budget.toNanos();
        long first = -1;
        long last = -1;
        int done = 0;
        while (done < handshakes && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (!handshake(node, browser, profiles, (int) Math.min(HANDSHAKE_LIMIT_MILLIS, leftMillis))) {
                break;
            }
            last = (System.nanoTime() - start) / 1_000_000;
            if (first < 0) {
                first = last;
            }
            done++;
        }
        return new Result(done, first, last);
    }

    /** One handshake in memory takes milliseconds; this bounds a stuck one (and the wait for the server's side). */
    static final int HANDSHAKE_LIMIT_MILLIS = 2_000;

    private static boolean handshake(DtlsCertificate node, DtlsCertificate browser, List<SrtpProfile> profiles,
            int limitMillis) {
        InMemoryClientTransport transport = new InMemoryClientTransport();
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<byte[]> serverKeys = new AtomicReference<>();
        DtlsSession.Listener listener = new DtlsSession.Listener() {
            @Override
            public void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial) {
                serverKeys.set(keyingMaterial);
                ended.countDown();
            }

            @Override
            public void dtlsFailed(String reason) {
                ended.countDown();
            }
        };
        try (DtlsSession server = new DtlsSession("warm-up", node, browser.fingerprint(), profiles,
                Duration.ofMillis(limitMillis), Duration.ZERO, transport::fromServer, listener)) {
            transport.server = server;
            server.start();
            InMemoryDtlsClient client = new InMemoryDtlsClient(browser, node.fingerprint(), limitMillis);
            new DTLSClientProtocol().connect(client, transport).close();
            return ended.await(limitMillis, TimeUnit.MILLISECONDS) && serverKeys.get() != null && client.keys != null;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The browser's part: a DTLS 1.2 client offering use_srtp with GCM and SHA1_80, presenting its own certificate. */
    static final class InMemoryDtlsClient extends DefaultTlsClient {
        final DtlsCertificate own;
        final Fingerprint expectedServer;
        final int handshakeTimeoutMillis;
        volatile byte[] keys;

        InMemoryDtlsClient(DtlsCertificate own, Fingerprint expectedServer) {
            this(own, expectedServer, 10_000);
        }

        InMemoryDtlsClient(DtlsCertificate own, Fingerprint expectedServer, int handshakeTimeoutMillis) {
            super(CRYPTO);
            this.own = own;
            this.expectedServer = expectedServer;
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return handshakeTimeoutMillis;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable ext = super.getClientExtensions();
            TlsSRTPUtils.addUseSRTPExtension(ext, new UseSRTPData(new int[] {0x0007, 0x0001}, new byte[0]));
            return ext;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    byte[] der = serverCertificate.getCertificate().getCertificateAt(0).getEncoded();
                    if (!expectedServer.matches(der)) {
                        throw new IOException("server fingerprint mismatch");
                    }
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    TlsCertificate cert = CRYPTO.createCertificate(own.der());
                    return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO,
                            own.privateKey(), new Certificate(new TlsCertificate[] {cert}),
                            new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keys = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null,
                    SrtpProfile.AEAD_AES_128_GCM.keyingMaterialLength());
        }
    }

    /** The client's transport: reads what the server sent, writes into the server session. */
    static final class InMemoryClientTransport implements DatagramTransport {
        final BlockingQueue<byte[]> fromServer = new ArrayBlockingQueue<>(64);
        volatile DtlsSession server;

        void fromServer(byte[] buf, int off, int len) {
            fromServer.offer(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public int getReceiveLimit() {
            return DtlsTransport.RECEIVE_LIMIT;
        }

        @Override
        public int getSendLimit() {
            return DtlsTransport.SEND_LIMIT;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            try {
                byte[] r = fromServer.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (r == null) {
                    return -1;
                }
                int n = Math.min(len, r.length);
                System.arraycopy(r, 0, buf, off, n);
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void send(byte[] buf, int off, int len) {
            server.receive(buf, off, len);
        }

        @Override
        public void close() {
        }
    }
}
