package io.icemesh.media.dtls;

import io.icemesh.media.srtp.SrtpProfile;
import java.io.IOException;
import java.util.Hashtable;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The SFU's side of DTLS-SRTP (RFC 5764): DTLS 1.2 only, ECDHE-ECDSA with the node certificate, a client certificate
 * required and checked against the fingerprint the client put in its SDP (RFC 8122 section 5), and the use_srtp
 * extension answered with the best profile both sides support. The keying material is exported on completion.
 */
final class DtlsSrtpServer extends DefaultTlsServer {

    private final DtlsCertificate certificate;
    private final Fingerprint expectedClientFingerprint;
    private final List<SrtpProfile> profiles;
    private final int handshakeTimeoutMillis;
    private SrtpProfile chosen;
    private byte[] keyingMaterial;
    private boolean clientVerified;

    DtlsSrtpServer(JcaTlsCrypto crypto, DtlsCertificate certificate, Fingerprint expectedClientFingerprint,
            List<SrtpProfile> profiles, int handshakeTimeoutMillis) {
        super(crypto);
        this.certificate = certificate;
        this.expectedClientFingerprint = expectedClientFingerprint;
        this.profiles = profiles;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.DTLSv12.only();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return new int[] {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA};
    }

    @Override
    public int getHandshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    @Override
    protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
        TlsCertificate tlsCert = getCrypto().createCertificate(certificate.der());
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), (JcaTlsCrypto) getCrypto(),
                certificate.privateKey(), new Certificate(new TlsCertificate[] {tlsCert}),
                new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    @Override
    public CertificateRequest getCertificateRequest() {
        return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                TlsUtils.getDefaultSupportedSignatureAlgorithms(context), null);
    }

    @Override
    public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
        if (clientCertificate == null || clientCertificate.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        byte[] der = clientCertificate.getCertificateAt(0).getEncoded();
        if (!expectedClientFingerprint.matches(der)) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }
        clientVerified = true;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        UseSRTPData offered = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
        if (offered == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        for (SrtpProfile p : profiles) {
            for (int id : offered.getProtectionProfiles()) {
                if (id == p.id()) {
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
        TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(new int[] {chosen.id()}, TlsUtils.EMPTY_BYTES));
        return extensions;
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        if (!clientVerified) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        keyingMaterial = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, chosen.keyingMaterialLength());
    }

    SrtpProfile chosenProfile() {
        return chosen;
    }

    byte[] keyingMaterial() {
        return keyingMaterial;
    }
}
