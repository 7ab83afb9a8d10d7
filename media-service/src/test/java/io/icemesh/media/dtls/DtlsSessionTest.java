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
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.junit.jupiter.api.Test;

/** The SFU's DTLS-SRTP server against a bctls DTLS client in memory (a browser's role). */
class DtlsSessionTest {

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

    private static DtlsSession server(DtlsCertificate node, Fingerprint client, DtlsWarmUp.InMemoryClientTransport t,
            Outcome o) {
        DtlsSession s = new DtlsSession("test", node, client,
                List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80), Duration.ofSeconds(5),
                t::fromServer, o);
        t.server = s;
        return s;
    }

    @Test
    void handshakeAgreesOnGcmKeysThatProtectSrtpBothWays() throws Exception {
        DtlsCertificate node = DtlsCertificate.generate("node");
        DtlsCertificate browser = DtlsCertificate.generate("browser");
        DtlsWarmUp.InMemoryClientTransport t = new DtlsWarmUp.InMemoryClientTransport();
        Outcome o = new Outcome();
        try (DtlsSession s = server(node, browser.fingerprint(), t, o)) {
            s.start();
            DtlsWarmUp.InMemoryDtlsClient client = new DtlsWarmUp.InMemoryDtlsClient(browser, node.fingerprint());
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
        DtlsWarmUp.InMemoryClientTransport t = new DtlsWarmUp.InMemoryClientTransport();
        Outcome o = new Outcome();
        DtlsSession s = new DtlsSession("linger", node, browser.fingerprint(), List.of(SrtpProfile.AEAD_AES_128_GCM),
                Duration.ofSeconds(5), Duration.ofMillis(300),
                (buf, off, len) -> t.fromServer.offer(Arrays.copyOfRange(buf, off, off + len)), o);
        t.server = s;
        try (s) {
            s.start();
            assertNotNull(new DTLSClientProtocol().connect(new DtlsWarmUp.InMemoryDtlsClient(browser,
                    node.fingerprint()), t));
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
        DtlsWarmUp.InMemoryClientTransport t = new DtlsWarmUp.InMemoryClientTransport();
        Outcome o = new Outcome();
        try (DtlsSession s = server(node, browser.fingerprint(), t, o)) {
            s.start();
            DtlsWarmUp.InMemoryDtlsClient client = new DtlsWarmUp.InMemoryDtlsClient(impostor, node.fingerprint());
            assertThrows(IOException.class, () -> new DTLSClientProtocol().connect(client, t));
            await().atMost(Duration.ofSeconds(10)).until(() -> o.failure.get() != null);
            assertTrue(o.failure.get().startsWith("dtls-failed"), o.failure.get());
            assertEquals(null, o.keys.get());
        }
    }

    @Test
    void warmUpCompletesHandshakesAndLeavesNoDtlsThreadBehind() {
        DtlsCertificate node = DtlsCertificate.generate("node");
        DtlsWarmUp.Result r = DtlsWarmUp.run(node, List.of(SrtpProfile.AES_CM_128_HMAC_SHA1_80), 3,
                Duration.ofSeconds(30));
        assertEquals(3, r.handshakes(), "every handshake completed with the SHA1_80 profile only: " + r);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("dtls-warm-up")));
    }

    @Test
    void warmUpStopsWhenItsBudgetIsSpent() {
        DtlsWarmUp.Result r = DtlsWarmUp.run(DtlsCertificate.generate("node"),
                List.of(SrtpProfile.AEAD_AES_128_GCM), 1_000, Duration.ZERO);
        assertEquals(0, r.handshakes());
    }
}
