package io.icemesh.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The tool's DTLS client against its DTLS server (each checking the other's fingerprint), then SRTP both ways. */
class DtlsSrtpTest {

    private final Dtls.Identity clientId = Dtls.Identity.generate();
    private final Dtls.Identity serverId = Dtls.Identity.generate();

    @Test
    void bothRolesAgreeOnKeysAndSrtpRoundTrips() throws Exception {
        Dtls.Keys[] keys = handshake(serverId.fingerprint);
        assertEquals(keys[0].profile, keys[1].profile);
        assertArrayEquals(keys[0].material, keys[1].material);
        try (Srtp client = new Srtp(keys[0]); Srtp server = new Srtp(keys[1])) {
            byte[] p = new byte[12 + 100 + 64];
            Rtp.writeHeader(p, 0, true, 96, 1000, 90_000, 77);
            Arrays.fill(p, 12, 112, (byte) 0x5A);
            int n = client.protectRtp(p, 0, 112);
            assertEquals(112 + client.profile.tagLength, n);
            assertEquals(112, server.unprotectRtp(p, 0, n));
            assertEquals(0x5A, p[50]);
            // a packet that arrives 199 behind the newest (beyond jitsi-srtp's 64-packet replay window), as a
            // server's plain retransmission may, still decrypts: the stream tells a duplicate from a recovery
            byte[] late = new byte[p.length];
            Rtp.writeHeader(late, 0, true, 96, 1001, 90_000, 77);
            Arrays.fill(late, 12, 112, (byte) 0x3C);
            int lateLength = client.protectRtp(late, 0, 112);
            Rtp.writeHeader(p, 0, true, 96, 1200, 90_000, 77);
            assertEquals(112, server.unprotectRtp(p, 0, client.protectRtp(p, 0, 112)));
            assertEquals(112, server.unprotectRtp(late, 0, lateLength));
            assertEquals(0x3C, late[50]);
            Rtp.writeHeader(p, 0, true, 96, 1201, 90_000, 77);
            int m2 = client.protectRtp(p, 0, 112);
            p[40] ^= 1; // a flipped payload bit
            assertEquals(-1, server.unprotectRtp(p, 0, m2), "a forged packet fails authentication");

            byte[] r = new byte[64];
            int len = Rtp.pli(r, 0, 5, 77);
            int m = server.protectRtcp(r, 0, len);
            assertTrue(m > len);
            r[m - 1] ^= 1; // a flipped tag bit
            assertEquals(-1, client.unprotectRtcp(r, 0, m));
        }
    }

    @Test
    void aServerWhoseFinalFlightIsLostResendsItWhenTheClientRetransmits() throws Exception {
        // the server's ChangeCipherSpec and its Finished (the first record of epoch 1) are lost once each: the
        // client's handshake completes only if the server answers the client's retransmitted flight after its own
        // handshake has ended
        AtomicInteger dropped = new AtomicInteger();
        boolean[] seen = new boolean[2];
        Dtls.Keys[] keys = handshake(serverId.fingerprint, (b, off, len) -> {
            int type = b[off] & 0xFF;
            int epoch = ((b[off + 3] & 0xFF) << 8) | (b[off + 4] & 0xFF);
            int which = type == 20 ? 0 : type == 22 && epoch == 1 ? 1 : -1;
            if (which >= 0 && !seen[which]) {
                seen[which] = true;
                dropped.incrementAndGet();
                return true;
            }
            return false;
        });
        assertTrue(dropped.get() >= 1, "the server's final flight was dropped: " + dropped);
        assertArrayEquals(keys[0].material, keys[1].material);
    }

    @Test
    void aServerWhoseCertificateIsNotTheFingerprintInItsSdpIsRefused() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> handshake(clientId.fingerprint));
        assertTrue(e.getCause() instanceof IOException, e.toString());
    }

    /** Which of the server's datagrams the network loses. */
    private interface Loss {
        boolean drop(byte[] b, int off, int len);
    }

    private Dtls.Keys[] handshake(String serverFingerprint) throws Exception {
        return handshake(serverFingerprint, (b, off, len) -> false);
    }

    /**
     * [client keys, server keys]; the client expects {@code serverFingerprint}. The server's thread goes on as the
     * tool's endpoint does: it answers retransmissions after its handshake.
     */
    private Dtls.Keys[] handshake(String serverFingerprint, Loss serverLoss) throws Exception {
        AtomicReference<Dtls> client = new AtomicReference<>();
        AtomicReference<Dtls> server = new AtomicReference<>();
        client.set(new Dtls((b, off, len) -> server.get().offer(b, off, len)));
        server.set(new Dtls((b, off, len) -> {
            if (!serverLoss.drop(b, off, len)) {
                client.get().offer(b, off, len);
            }
        }));
        CompletableFuture<Dtls.Keys> s = new CompletableFuture<>();
        Thread serverThread = new Thread(() -> {
            try {
                s.complete(server.get().handshake(false, serverId, "sha-256", clientId.fingerprint, 10_000));
                server.get().answerRetransmissions(10_000);
            } catch (IOException | RuntimeException e) {
                s.completeExceptionally(e);
            }
        });
        serverThread.start();
        try {
            Dtls.Keys c = client.get().handshake(true, clientId, "sha-256", serverFingerprint, 10_000);
            return new Dtls.Keys[] {c, s.get(10, TimeUnit.SECONDS)};
        } catch (IOException e) {
            throw new ExecutionException(e);
        } finally {
            client.get().close();
            server.get().close();
        }
    }
}
