package io.icemesh.loadgen;

import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Hashtable;
import java.util.Locale;
import java.util.Vector;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * DTLS-SRTP (RFC 5764) for one endpoint, in either role, on bctls: DTLS 1.2, ECDHE-ECDSA, the peer's certificate
 * checked against the fingerprint in its SDP, use_srtp with AEAD_AES_128_GCM or AES128_CM_HMAC_SHA1_80. The
 * handshake blocks the calling thread; records arrive through {@link #offer}.
 */
final class Dtls implements DatagramTransport {

    /** The keys of a finished handshake. */
    static final class Keys {
        final Srtp.Profile profile;
        final byte[] material;
        final boolean server;

        Keys(Srtp.Profile profile, byte[] material, boolean server) {
            this.profile = profile;
            this.material = material;
            this.server = server;
        }
    }

    /** Sends a record to the peer's selected address. */
    interface Sender {
        void send(byte[] buf, int off, int len) throws IOException;
    }

    /** The tool's certificate: one for the whole run, as a browser keeps one per page. */
    static final class Identity {
        final PrivateKey key;
        final byte[] der;
        final String fingerprint;

        private Identity(PrivateKey key, byte[] der) {
            this.key = key;
            this.der = der;
            this.fingerprint = fingerprint("sha-256", der);
        }

        static Identity generate() {
            try {
                SecureRandom random = new SecureRandom();
                KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
                kpg.initialize(new ECGenParameterSpec("secp256r1"), random);
                KeyPair pair = kpg.generateKeyPair();
                X500Name name = new X500Name("CN=icemesh-loadgen");
                Instant now = Instant.now();
                byte[] der = new JcaX509v3CertificateBuilder(name, new BigInteger(63, random).add(BigInteger.ONE),
                        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(7))), name,
                        pair.getPublic())
                        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                                .build(pair.getPrivate()))
                        .getEncoded();
                return new Identity(pair.getPrivate(), der);
            } catch (Exception e) {
                throw new IllegalStateException("cannot generate the DTLS certificate", e);
            }
        }
    }

    static final JcaTlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());
    private static final int RECEIVE_LIMIT = 1500;
    private static final int SEND_LIMIT = 1200;
    private static final byte[] CLOSED = new byte[0];

    private final BlockingQueue<byte[]> incoming = new ArrayBlockingQueue<>(64);
    private final Sender sender;
    private volatile boolean closed;
    private volatile boolean peerFinished;
    private volatile DTLSTransport serverTransport;

    Dtls(Sender sender) {
        this.sender = sender;
    }

    /** A record received for this endpoint (copied). False when the queue is full. */
    boolean offer(byte[] buf, int off, int len) {
        if (closed || len > RECEIVE_LIMIT) {
            return false;
        }
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        return incoming.offer(copy);
    }

    /** Runs the handshake as client (true) or server; returns the SRTP keys. */
    Keys handshake(boolean client, Identity identity, String peerAlgorithm, String peerFingerprint,
            int timeoutMillis) throws IOException {
        if (client) {
            Client c = new Client(identity, peerAlgorithm, peerFingerprint, timeoutMillis);
            new DTLSClientProtocol().connect(c, this);
            return new Keys(c.chosen, c.material, false);
        }
        Server s = new Server(identity, peerAlgorithm, peerFingerprint, timeoutMillis);
        serverTransport = new DTLSServerProtocol().accept(s, this);
        return new Keys(s.chosen, s.material, true);
    }

    /**
     * After a handshake as server: answers the client's retransmitted last flight (its Finished again means ours
     * was lost: bctls resends our final flight when it reads that, RFC 6347 section 4.2.4) until the client is known
     * to have finished ({@link #peerFinished}), the transport closes, or {@code millis} pass. Blocks the caller. A
     * client needs nothing of the kind: its last flight is answered by the server's, and bctls retransmits it until
     * that comes. Throws when the connection failed in that time (not when this transport was closed).
     */
    void answerRetransmissions(long millis) throws IOException {
        DTLSTransport t = serverTransport;
        if (t == null) {
            return;
        }
        byte[] buf = new byte[RECEIVE_LIMIT];
        long until = System.nanoTime() + millis * 1_000_000L;
        try {
            while (!closed && !peerFinished && System.nanoTime() < until) {
                t.receive(buf, 0, buf.length, 100); // application data: none is expected, the records are dropped
            }
        } catch (IOException e) {
            if (!closed) {
                throw e; // bctls failed the connection (and alerted the peer): the endpoint's media stops too
            }
        }
    }

    /** The peer has sent media under the keys: it finished its handshake, no retransmission will come. */
    void peerFinished() {
        if (!peerFinished) { // a volatile read per packet, a write once
            peerFinished = true;
        }
    }

    @Override
    public int getReceiveLimit() {
        return RECEIVE_LIMIT;
    }

    @Override
    public int getSendLimit() {
        return SEND_LIMIT;
    }

    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        byte[] record;
        try {
            record = incoming.poll(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (record == null) {
            return -1;
        }
        if (record == CLOSED) {
            throw new IOException("DTLS transport closed");
        }
        int n = Math.min(len, record.length);
        System.arraycopy(record, 0, buf, off, n);
        return n;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("DTLS transport closed");
        }
        sender.send(buf, off, len);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            incoming.clear();
            incoming.offer(CLOSED);
        }
    }

    static String fingerprint(String algorithm, byte[] der) {
        try {
            byte[] digest = MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT)).digest(der);
            StringBuilder sb = new StringBuilder(digest.length * 3);
            for (byte b : digest) {
                if (sb.length() > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02X", b & 0xFF));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unsupported fingerprint algorithm " + algorithm, e);
        }
    }

    private static void checkPeer(Certificate certificate, String algorithm, String expected) throws IOException {
        if (certificate == null || certificate.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        String actual = fingerprint(algorithm, certificate.getCertificateAt(0).getEncoded());
        if (!actual.equalsIgnoreCase(expected)) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }
    }

    private static TlsCredentialedSigner signer(TlsContext context, Identity identity) throws IOException {
        TlsCertificate cert = CRYPTO.createCertificate(identity.der);
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO, identity.key,
                new Certificate(new TlsCertificate[] {cert}),
                new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    private static final int[] CIPHER_SUITES = {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA};

    private static int[] profileIds() {
        Srtp.Profile[] all = Srtp.Profile.values();
        int[] ids = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            ids[i] = all[i].id;
        }
        return ids;
    }

    private static final class Client extends DefaultTlsClient {
        private final Identity identity;
        private final String peerAlgorithm;
        private final String peerFingerprint;
        private final int timeoutMillis;
        Srtp.Profile chosen;
        byte[] material;

        Client(Identity identity, String peerAlgorithm, String peerFingerprint, int timeoutMillis) {
            super(CRYPTO);
            this.identity = identity;
            this.peerAlgorithm = peerAlgorithm;
            this.peerFingerprint = peerFingerprint;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return CIPHER_SUITES;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return timeoutMillis;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable extensions = super.getClientExtensions();
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(profileIds(), TlsUtils.EMPTY_BYTES));
            return extensions;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            UseSRTPData data = TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
            if (data == null || data.getProtectionProfiles().length != 1) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter);
            }
            chosen = Srtp.Profile.byId(data.getProtectionProfiles()[0]);
            if (chosen == null) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter);
            }
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    checkPeer(serverCertificate.getCertificate(), peerAlgorithm, peerFingerprint);
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    return signer(context, identity);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, chosen.keyingMaterialLength());
        }
    }

    private static final class Server extends DefaultTlsServer {
        private final Identity identity;
        private final String peerAlgorithm;
        private final String peerFingerprint;
        private final int timeoutMillis;
        private boolean clientChecked;
        Srtp.Profile chosen;
        byte[] material;

        Server(Identity identity, String peerAlgorithm, String peerFingerprint, int timeoutMillis) {
            super(CRYPTO);
            this.identity = identity;
            this.peerAlgorithm = peerAlgorithm;
            this.peerFingerprint = peerFingerprint;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return CIPHER_SUITES;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return timeoutMillis;
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return signer(context, identity);
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            Vector<?> algorithms = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign,
                ClientCertificateType.rsa_sign}, algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            checkPeer(clientCertificate, peerAlgorithm, peerFingerprint);
            clientChecked = true;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            UseSRTPData offered = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
            if (offered == null) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure);
            }
            for (Srtp.Profile p : Srtp.Profile.values()) {
                for (int id : offered.getProtectionProfiles()) {
                    if (id == p.id) {
                        chosen = p;
                        return;
                    }
                }
            }
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getServerExtensions() throws IOException {
            Hashtable extensions = super.getServerExtensions();
            if (extensions == null) {
                extensions = new Hashtable();
            }
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(new int[] {chosen.id}, TlsUtils.EMPTY_BYTES));
            return extensions;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            if (!clientChecked) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure);
            }
            material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, chosen.keyingMaterialLength());
        }
    }
}
