package io.icemesh.monitor.probe;

import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.TurnRestCredential;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/**
 * An authenticated TURN probe over UDP (RFC 8656): Allocate without credentials (the server answers 401 with a
 * realm and nonce, Section 9.2.1 of RFC 8489), Allocate with TURN REST credentials minted from the shared secret,
 * then Refresh with LIFETIME 0 so that the probe leaves no allocation behind. Each probe uses a socket of its own,
 * so every probe is a new 5-tuple and never meets its previous allocation (437).
 */
public final class TurnAllocateProbe {

    /** What the probe found. */
    record Outcome(boolean allocated, long allocateRttNanos, String detail) {
    }

    /** RFC 8656 Section 14.7: REQUESTED-TRANSPORT carries the IANA protocol number, 17 for UDP, then RFFU. */
    private static final byte[] UDP_TRANSPORT = {17, 0, 0, 0};
    /** Lifetime asked for the probe's allocation: the shortest sensible, in case the Refresh to 0 is lost. */
    private static final long PROBE_LIFETIME_SECONDS = 60;
    /**
     * The session id part of the probe's TURN REST username ({@code expiry:icemesh-monitor-probe}), so that
     * turn-service's events name the probe: they count in the TURN metrics but make no session timeline.
     */
    public static final String PROBE_SESSION_ID = "icemesh-monitor-probe";
    private static final int RECEIVE_BUFFER = 1500;
    private static final int ALLOCATE_REQUEST = StunMessageType.of(StunMessageType.METHOD_ALLOCATE,
            StunMessageType.CLASS_REQUEST);
    private static final int REFRESH_REQUEST = StunMessageType.of(StunMessageType.METHOD_REFRESH,
            StunMessageType.CLASS_REQUEST);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String secret;
    private final Duration timeout;
    private final Duration credentialLifetime;

    TurnAllocateProbe(String secret, Duration timeout, Duration credentialLifetime) {
        this.secret = secret;
        this.timeout = timeout;
        this.credentialLifetime = credentialLifetime;
    }

    /** Runs one probe against {@code to}; never throws. */
    Outcome probe(InetSocketAddress to) {
        try (DatagramChannel channel = DatagramChannel.open(); Selector selector = Selector.open()) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            channel.bind(new InetSocketAddress(to.getAddress().isLoopbackAddress() ? to.getAddress() : null, 0));
            channel.connect(to);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);

            StunMessage challenge = exchange(channel, selector, StunMessageBuilder.of(ALLOCATE_REQUEST, newId())
                    .add(StunAttributeType.REQUESTED_TRANSPORT, UDP_TRANSPORT).build());
            if (challenge == null) {
                return new Outcome(false, 0, "no answer to Allocate within " + timeout.toMillis() + " ms");
            }
            int firstCode = errorCode(challenge);
            String realm = challenge.stringValue(StunAttributeType.REALM);
            byte[] nonce = challenge.value(StunAttributeType.NONCE);
            if (firstCode != 401 || realm == null || nonce == null) {
                return new Outcome(false, 0, "TURN answered an unauthenticated Allocate with "
                        + (firstCode == 0 ? "success" : String.valueOf(firstCode)) + " instead of 401");
            }
            String username = (System.currentTimeMillis() / 1000 + credentialLifetime.toSeconds()) + ":"
                    + PROBE_SESSION_ID;
            byte[] key = PasswordAlgorithm.MD5.key(username, realm, TurnRestCredential.password(secret, username));
            long started = System.nanoTime();
            StunMessage allocated = exchange(channel, selector, authenticated(ALLOCATE_REQUEST, username, realm, nonce,
                    key, b -> b.add(StunAttributeType.REQUESTED_TRANSPORT, UDP_TRANSPORT)
                            .addUint32(StunAttributeType.LIFETIME, PROBE_LIFETIME_SECONDS)));
            long rtt = System.nanoTime() - started;
            if (allocated == null) {
                return new Outcome(false, 0, "no answer to the authenticated Allocate within "
                        + timeout.toMillis() + " ms");
            }
            int code = errorCode(allocated);
            if (code != 0) {
                return new Outcome(false, 0, "TURN answered " + code + " to an authenticated Allocate");
            }
            StunMessage refreshed = exchange(channel, selector, authenticated(REFRESH_REQUEST, username, realm, nonce,
                    key, b -> b.addUint32(StunAttributeType.LIFETIME, 0)));
            String cleanup = refreshed == null ? "; Refresh to 0 unanswered"
                    : errorCode(refreshed) != 0 ? "; Refresh to 0 answered " + errorCode(refreshed) : "";
            return new Outcome(true, rtt, "allocates with TURN REST credentials" + cleanup);
        } catch (IOException | RuntimeException e) {
            return new Outcome(false, 0, "TURN probe failed: " + e.getMessage());
        }
    }

    private interface Attributes {
        StunMessageBuilder add(StunMessageBuilder b);
    }

    private static byte[] authenticated(int type, String username, String realm, byte[] nonce, byte[] key,
            Attributes attributes) {
        StunMessageBuilder b = StunMessageBuilder.of(type, newId());
        attributes.add(b);
        return b.addString(StunAttributeType.USERNAME, username).addString(StunAttributeType.REALM, realm)
                .add(StunAttributeType.NONCE, nonce).addMessageIntegrity(key).addFingerprint().build();
    }

    /** Sends a request and waits for the response with its transaction id; null on timeout. */
    private StunMessage exchange(DatagramChannel channel, Selector selector, byte[] request) throws IOException {
        byte[] id = Arrays.copyOfRange(request, 8, 20);
        channel.write(ByteBuffer.wrap(request));
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || selector.select(Math.max(1, left / 1_000_000)) == 0 && System.nanoTime() >= deadline) {
                return null;
            }
            selector.selectedKeys().clear();
            buf.clear();
            if (channel.read(buf) <= 0) {
                continue;
            }
            StunMessage answer = StunMessageDecoder.decode(Arrays.copyOf(buf.array(), buf.position()));
            if (answer != null && answer.hasTransactionId(id)) {
                return answer;
            }
        }
    }

    private static int errorCode(StunMessage m) {
        return m.messageClass() == StunMessageType.CLASS_ERROR ? ErrorCodeAttribute.codeOf(m) : 0;
    }

    private static byte[] newId() {
        byte[] id = new byte[StunMessage.TRANSACTION_ID_LENGTH];
        RANDOM.nextBytes(id);
        return id;
    }
}
