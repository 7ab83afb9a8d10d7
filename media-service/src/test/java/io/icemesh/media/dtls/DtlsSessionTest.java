package io.icemesh.media.dtls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.media.srtp.PacketBuffer;
import io.icemesh.media.srtp.SrtpProfile;
import io.icemesh.media.srtp.SrtpSession;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
import org.junit.jupiter.api.Test;

/** The SFU's DTLS-SRTP server against a bctls DTLS client in memory (a browser's role). */
class DtlsSessionTest {

    private static final JcaTlsCrypto CRYPTO = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(new SecureRandom());

    /** The browser side: DTLS 1.2 client offering use_srtp with GCM and SHA1_80, presenting its own certificate. */
    static final class BrowserLikeClient extends DefaultTlsClient {
        final DtlsCertificate own;
        final Fingerprint expectedServer;
        byte[] keys;

        BrowserLikeClient(DtlsCertificate own, Fingerprint expectedServer) {
            super(CRYPTO);
            this.own = own;
            this.expectedServer = expectedServer;
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
        @SuppressWarnings("rawtypes")
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
    static final class ClientTransport implements DatagramTransport {
        final BlockingQueue<byte[]> fromServer = new ArrayBlockingQueue<>(64);
        DtlsSession server;

        @Override
        public int getReceiveLimit() {
            return 1500;
        }

        @Override
        public int getSendLimit() {
            return 1200;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            try {
                byte[] r = fromServer.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (r == null) {
                    return -1;
                }
                System.arraycopy(r, 0, buf, off, r.length);
                return r.length;
            } catch (InterruptedException e) {
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

    static final class Outcome implements DtlsSession.Listener {
        final AtomicReference<byte[]> keys = new AtomicReference<>();
        final AtomicReference<SrtpProfile> profile = new AtomicReference<>();
        final AtomicReference<String> failure = new AtomicReference<>();

        @Override
        public void dtlsConnected(SrtpProfile p, byte[] keyingMaterial) {
            profile.set(p);
            keys.set(keyingMaterial);
        }

        @Override
        public void dtlsFailed(String reason) {
            failure.set(reason);
        }
    }

    private static DtlsSession server(DtlsCertificate node, Fingerprint client, ClientTransport t, Outcome o) {
        DtlsSession s = new DtlsSession("test", node, client,
                List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80), Duration.ofSeconds(5),
                (buf, off, len) -> t.fromServer.offer(Arrays.copyOfRange(buf, off, off + len)), o);
        t.server = s;
        return s;
    }

    @Test
    void handshakeAgreesOnGcmKeysThatProtectSrtpBothWays() throws Exception {
        DtlsCertificate node = DtlsCertificate.generate("node");
        DtlsCertificate browser = DtlsCertificate.generate("browser");
        ClientTransport t = new ClientTransport();
        Outcome o = new Outcome();
        try (DtlsSession s = server(node, browser.fingerprint(), t, o)) {
            s.start();
            BrowserLikeClient client = new BrowserLikeClient(browser, node.fingerprint());
            assertNotNull(new DTLSClientProtocol().connect(client, t));
            await().atMost(Duration.ofSeconds(10)).until(() -> o.keys.get() != null);
            assertEquals(SrtpProfile.AEAD_AES_128_GCM, o.profile.get());
            assertArrayEquals(client.keys, o.keys.get(), "both sides export the same keying material");

            SrtpSession sfu = new SrtpSession(SrtpProfile.AEAD_AES_128_GCM, o.keys.get(), true, 8);
            SrtpSession peer = new SrtpSession(SrtpProfile.AEAD_AES_128_GCM, client.keys, false, 8);
            byte[] rtp = HexFormat.of().parseHex("80600001" + "00000064" + "deadbeef" + "cafebabe");
            byte[] buf = Arrays.copyOf(rtp, 64);
            PacketBuffer pb = new PacketBuffer(buf, 0, rtp.length);
            int n = peer.protectRtp(pb, 0xdeadbeef);
            assertTrue(n > rtp.length);
            assertEquals(rtp.length, sfu.unprotectRtp(pb, 0xdeadbeef));
            assertArrayEquals(rtp, Arrays.copyOf(buf, rtp.length));
        }
    }

    @Test
    void theThreadEndsAfterTheLingerAndLaterRecordsAreDropped() throws Exception {
        DtlsCertificate node = DtlsCertificate.generate("node");
        DtlsCertificate browser = DtlsCertificate.generate("browser");
        ClientTransport t = new ClientTransport();
        Outcome o = new Outcome();
        DtlsSession s = new DtlsSession("linger", node, browser.fingerprint(), List.of(SrtpProfile.AEAD_AES_128_GCM),
                Duration.ofSeconds(5), Duration.ofMillis(300),
                (buf, off, len) -> t.fromServer.offer(Arrays.copyOfRange(buf, off, off + len)), o);
        t.server = s;
        try (s) {
            s.start();
            assertNotNull(new DTLSClientProtocol().connect(new BrowserLikeClient(browser, node.fingerprint()), t));
            await().atMost(Duration.ofSeconds(10)).until(() -> o.keys.get() != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> !s.threadAlive());
            org.junit.jupiter.api.Assertions.assertNull(o.failure.get(), "ending the linger is not a failure");
            byte[] record = HexFormat.of().parseHex("17fefd0001000000000001000401020304");
            assertTrue(!s.receive(record, 0, record.length), "a record after the linger is dropped, not queued");
            assertTrue(!s.threadAlive());
        }
    }

    @Test
    void refusesAClientWhoseCertificateIsNotTheOneInItsSdp() throws Exception {
        DtlsCertificate node = DtlsCertificate.generate("node");
        DtlsCertificate browser = DtlsCertificate.generate("browser");
        DtlsCertificate impostor = DtlsCertificate.generate("impostor");
        ClientTransport t = new ClientTransport();
        Outcome o = new Outcome();
        try (DtlsSession s = server(node, browser.fingerprint(), t, o)) {
            s.start();
            BrowserLikeClient client = new BrowserLikeClient(impostor, node.fingerprint());
            assertThrows(IOException.class, () -> new DTLSClientProtocol().connect(client, t));
            await().atMost(Duration.ofSeconds(10)).until(() -> o.failure.get() != null);
            assertTrue(o.failure.get().startsWith("dtls-failed"), o.failure.get());
            assertEquals(null, o.keys.get());
        }
    }
}
