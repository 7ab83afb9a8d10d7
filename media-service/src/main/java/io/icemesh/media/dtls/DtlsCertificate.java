package io.icemesh.media.dtls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The node's self-signed ECDSA P-256 certificate for DTLS-SRTP. WebRTC authenticates it by the fingerprint in SDP
 * (RFC 8827 section 6.5), not by a CA, so one is generated per node at start and never stored.
 */
public final class DtlsCertificate {

    /** Validity before now, for peers with a clock behind ours. */
    private static final Duration BACKDATE = Duration.ofDays(1);
    /** Validity after now; a node restarts long before (browsers ignore it, RFC 8827 section 6.5). */
    private static final Duration LIFETIME = Duration.ofDays(30);

    private final PrivateKey privateKey;
    private final byte[] der;
    private final Fingerprint fingerprint;

    private DtlsCertificate(PrivateKey privateKey, byte[] der) {
        this.privateKey = privateKey;
        this.der = der;
        this.fingerprint = Fingerprint.of("sha-256", der);
    }

    /** Generates a key pair on secp256r1 and a self-signed certificate for it. */
    public static DtlsCertificate generate(String commonName) {
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = kpg.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName.replaceAll("[^A-Za-z0-9._-]", "_"));
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(63, random).add(BigInteger.ONE), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(LIFETIME)), name, pair.getPublic());
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            X509CertificateHolder holder = builder.build(signer);
            return new DtlsCertificate(pair.getPrivate(), holder.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate the DTLS certificate", e);
        }
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The DER encoding. */
    public byte[] der() {
        return der.clone();
    }

    /** The SHA-256 fingerprint for {@code a=fingerprint}. */
    public Fingerprint fingerprint() {
        return fingerprint;
    }
}
