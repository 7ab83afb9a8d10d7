package io.icemesh.turn.server;

import io.icemesh.turn.config.TurnConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.File;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import org.jboss.logging.Logger;

/**
 * The TLS server context for turns: (RFC 8656 Section 3.1): from the configured PEM certificate and key, or a
 * self-signed certificate generated at start (logged, so nobody mistakes it for a real one).
 */
final class TlsContextFactory {

    private static final Logger LOG = Logger.getLogger(TlsContextFactory.class);
    /** Subject of the generated certificate. */
    static final String SELF_SIGNED_FQDN = "turn.icemesh.local";

    private TlsContextFactory() {
    }

    static SslContext create(TurnConfig.Tls tls) throws SSLException, CertificateException {
        if (tls.certPath().isPresent() && tls.keyPath().isPresent()) {
            return SslContextBuilder.forServer(new File(tls.certPath().get()), new File(tls.keyPath().get())).build();
        }
        SelfSignedCertificate generated = new SelfSignedCertificate(SELF_SIGNED_FQDN);
        LOG.warnf("TLS listener uses a generated self-signed certificate for %s: set icemesh.turn.tls.cert-path "
                + "and key-path for clients that verify certificates", SELF_SIGNED_FQDN);
        return SslContextBuilder.forServer(generated.key(), generated.cert()).build();
    }
}
