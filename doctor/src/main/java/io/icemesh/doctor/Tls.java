package io.icemesh.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS towards a {@code turns:} or {@code stuns:} server. The handshake accepts any certificate so that the doctor can
 * look at what the server presents and then say each thing a checking client (a browser, aiortc's default SSL
 * context) would refuse, separately: a chain not trusted, a name that does not match, a certificate expired or not yet
 * valid. Trust comes from the JDK's CA store, plus PEM certificates given with {@code --ca-file}.
 */
final class Tls {

    /** Fewer days than this before expiry is worth a warning. */
    static final long EXPIRY_WARNING_DAYS = 14;

    /**
     * What the handshake showed.
     *
     * @param socket         the connected TLS socket (the caller closes it)
     * @param handshakeNanos TLS handshake time (after TCP connect)
     * @param protocol       e.g. TLSv1.3
     * @param problems       what a checking client refuses, in plain words; empty when none
     * @param warnings       what is worth knowing (expiry soon)
     * @param subject        the server certificate's subject
     * @param notAfter       its expiry
     */
    record Handshake(SSLSocket socket, long handshakeNanos, String protocol, List<String> problems,
            List<String> warnings, String subject, Instant notAfter) {
    }

    private final X509TrustManager trust;

    private Tls(X509TrustManager trust) {
        this.trust = trust;
    }

    /** The JDK's trusted CAs plus the PEM certificates in {@code caFile} (null for none). */
    static Tls withTrust(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore store = null;
        if (caFile != null) {
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            def.init((KeyStore) null);
            int i = 0;
            for (X509Certificate c : ((X509TrustManager) def.getTrustManagers()[0]).getAcceptedIssuers()) {
                store.setCertificateEntry("jdk-" + i++, c);
            }
            try (InputStream in = Files.newInputStream(caFile)) {
                Collection<? extends java.security.cert.Certificate> extra = CertificateFactory.getInstance("X.509")
                        .generateCertificates(in);
                if (extra.isEmpty()) {
                    throw new CertificateException(caFile + " holds no PEM certificate");
                }
                for (java.security.cert.Certificate c : extra) {
                    store.setCertificateEntry("ca-file-" + i++, c);
                }
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return new Tls((X509TrustManager) tmf.getTrustManagers()[0]);
    }

    /** Connects TLS over {@code tcp} (already connected to {@code address}) and checks what the server presents. */
    Handshake handshake(Socket tcp, String host, InetSocketAddress address, Duration timeout)
            throws IOException, GeneralSecurityException {
        X509Certificate[][] seen = new X509Certificate[1][];
        TrustManager capture = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("client side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {capture}, null);
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, host, address.getPort(), true);
        ssl.setSoTimeout((int) timeout.toMillis());
        long start = System.nanoTime();
        ssl.startHandshake();
        long nanos = System.nanoTime() - start;
        ssl.setSoTimeout(0);
        X509Certificate[] chain = seen[0];
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (chain == null || chain.length == 0) {
            problems.add("the server presented no certificate");
            return new Handshake(ssl, nanos, ssl.getSession().getProtocol(), problems, warnings, "", null);
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
            long days = Duration.between(Instant.now(), leaf.getNotAfter().toInstant()).toDays();
            if (days < EXPIRY_WARNING_DAYS) {
                warnings.add("its certificate expires in " + days + (days == 1 ? " day" : " days") + " ("
                        + leaf.getNotAfter().toInstant() + ")");
            }
        } catch (CertificateExpiredException e) {
            problems.add("its certificate expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            problems.add("its certificate is not valid before " + leaf.getNotBefore().toInstant());
        }
        List<String> names = names(leaf);
        if (!matches(host, names)) {
            problems.add("its certificate is for " + (names.isEmpty() ? "no name (no subjectAltName)"
                    : String.join(", ", names)) + ", not '" + host + "'");
        }
        try {
            // "UNKNOWN" (as for TLS 1.3): the key usage a signature-based handshake needs, whatever the key type
            trust.checkServerTrusted(chain, "UNKNOWN");
        } catch (CertificateException e) {
            boolean expiredOnly = problems.stream().anyMatch(p -> p.contains("expired") || p.contains("not valid"))
                    && causedByValidity(e);
            if (!expiredOnly) {
                problems.add("its certificate chain is not trusted (issuer " + leaf.getIssuerX500Principal().getName()
                        + (chain.length == 1 && leaf.getIssuerX500Principal().equals(leaf.getSubjectX500Principal())
                        ? ", self-signed" : "") + "; give a private CA with --ca-file)");
            }
        }
        return new Handshake(ssl, nanos, ssl.getSession().getProtocol(), problems, warnings,
                leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant());
    }

    /** Whether the trust check failed only on a certificate's dates (already reported on their own). */
    private static boolean causedByValidity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return true;
            }
        }
        return String.valueOf(e.getMessage()).contains("validity");
    }

    /** The DNS and IP subjectAltNames. */
    static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) {
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable names: reported as "for no name"
        }
        return names;
    }

    /** RFC 6125: an exact name or a left-most-label wildcard; an address literal only against IP names. */
    static boolean matches(String host, List<String> names) {
        String h = host.toLowerCase(Locale.ROOT);
        boolean literal = Dns.isLiteral(host);
        for (String n : names) {
            String name = n.toLowerCase(Locale.ROOT);
            if (literal) {
                try {
                    if (Dns.isLiteral(name) && InetAddress.getByName(name).equals(InetAddress.getByName(host))) {
                        return true;
                    }
                } catch (IOException e) {
                    // not an address
                }
                continue;
            }
            if (name.equals(h)) {
                return true;
            }
            if (name.startsWith("*.") && h.indexOf('.') > 0 && h.substring(h.indexOf('.')).equals(name.substring(1))) {
                return true;
            }
        }
        return false;
    }
}
