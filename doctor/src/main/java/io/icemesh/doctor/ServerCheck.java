package io.icemesh.doctor;

import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.XorAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import javax.net.ssl.SSLException;

/**
 * Checks one URL as a client would use it: DNS, then for {@code stun:} a Binding over UDP (or TLS for
 * {@code stuns:}); for {@code turn:}/{@code turns:} over UDP, TCP or TLS the 401 challenge, an authenticated
 * Allocate, a relay round trip (a second allocation, permissions both ways, data through and back) and Refresh 0 so
 * that nothing is left behind. Never throws: every failure ends up in the {@link ServerResult} in plain words.
 */
final class ServerCheck {

    /** How a check runs. */
    record Settings(Duration dnsTimeout, Duration connectTimeout, Exchange.Schedule schedule, Tls tls,
            double slowMillis, boolean relayRoundTrip) {
    }

    private static final byte[] UDP_RELAY = {17, 0, 0, 0};
    private static final long LIFETIME_SECONDS = 300;
    private static final int ALLOCATE = StunMessageType.of(StunMessageType.METHOD_ALLOCATE,
            StunMessageType.CLASS_REQUEST);
    private static final int REFRESH = StunMessageType.of(StunMessageType.METHOD_REFRESH,
            StunMessageType.CLASS_REQUEST);
    private static final int CREATE_PERMISSION = StunMessageType.of(StunMessageType.METHOD_CREATE_PERMISSION,
            StunMessageType.CLASS_REQUEST);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A TURN REST expiry further ahead than a day is refused by turn-service's default cap (and is suspicious). */
    private static final long FAR_EXPIRY_SECONDS = 86_400;

    private final Settings settings;

    ServerCheck(Settings settings) {
        this.settings = settings;
    }

    ServerResult check(IceServerUrl url, String username, String credential) {
        ServerResult r = new ServerResult(url, username, credential);
        long start = System.nanoTime();
        try {
            run(r);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            r.fail("the check stopped: " + e);
        }
        r.totalNanos = System.nanoTime() - start;
        return r;
    }

    private void run(ServerResult r) throws IOException, GeneralSecurityException {
        IceServerUrl url = r.url;
        r.dns = Dns.resolve(url.host(), settings.dnsTimeout().toMillis());
        if (!r.dns.ok()) {
            r.fail(r.dns.error());
            return;
        }
        InetAddress addr = r.dns.first();
        r.address = new InetSocketAddress(addr, url.port());
        if (!r.dns.literal() && r.dns.millis() > settings.slowMillis()) {
            r.warn("resolving '" + url.host() + "' took " + Report.millis(r.dns.millis()));
        }
        try (StunChannel channel = open(r)) {
            if (channel == null) {
                return;
            }
            if (url.isStun()) {
                binding(r, channel);
            } else {
                turn(r, channel);
            }
        }
        if (r.ok() && r.answerMillis() > settings.slowMillis()) {
            r.warn("it answered only after " + Report.millis(r.answerMillis()));
        }
    }

    /**
     * Connects as the URL says, recording connect and TLS times, certificate problems and failures in {@code r};
     * null (with the failure recorded) when it cannot. The socket is closed on every path that does not return it.
     */
    private StunChannel open(ServerResult r) throws GeneralSecurityException {
        try {
            if (r.url.transport() == IceServerUrl.Transport.UDP) {
                return StunChannel.udp(r.address);
            }
        } catch (IOException e) {
            r.fail("no UDP socket towards " + Report.address(r.address) + ": " + e.getMessage());
            return null;
        }
        Socket tcp = new Socket();
        boolean handedOver = false;
        try {
            long start = System.nanoTime();
            try {
                tcp.connect(r.address, (int) settings.connectTimeout().toMillis());
            } catch (SocketTimeoutException e) {
                r.connectTimedOut = true;
                r.fail("TCP connection to " + Report.address(r.address) + " got no answer within "
                        + Report.seconds(settings.connectTimeout().toMillis()) + " (a firewall dropping it, or no host)");
                return null;
            } catch (ConnectException e) {
                r.fail("TCP connection to " + Report.address(r.address) + " was refused (nothing listens on port "
                        + r.url.port() + ")");
                return null;
            }
            r.connectNanos = System.nanoTime() - start;
            tcp.setTcpNoDelay(true);
            if (r.url.transport() == IceServerUrl.Transport.TCP) {
                handedOver = true;
                return StunChannel.stream(tcp);
            }
            try {
                r.tls = settings.tls().handshake(tcp, r.url.host(), r.address, settings.connectTimeout());
            } catch (SSLException | SocketTimeoutException e) {
                r.fail("the TLS handshake failed: " + e.getMessage() + " (is port " + r.url.port() + " a TLS port?)");
                return null;
            }
            if (!r.tls.problems().isEmpty()) {
                r.fail("TLS: " + String.join("; ", r.tls.problems()) + ". Browsers and aiortc refuse it");
            }
            for (String w : r.tls.warnings()) {
                r.warn("TLS: " + w);
            }
            StunChannel channel = StunChannel.stream(r.tls.socket());
            handedOver = true;
            return channel;
        } catch (IOException e) {
            r.fail("TCP connection to " + Report.address(r.address) + " failed: " + e.getMessage());
            return null;
        } finally {
            if (!handedOver) {
                try {
                    tcp.close();
                } catch (IOException ignored) {
                    // closing is best effort
                }
            }
        }
    }

    /** Why a request went unanswered, in plain words. */
    private static String unanswered(StunChannel channel, ServerResult r, String what, Exchange.Outcome o) {
        if (channel.refused()) {
            return "refused " + what + ": the host answered ICMP port unreachable (nothing listens on UDP port "
                    + r.url.port() + ")";
        }
        return "never answered " + what + " (" + o.triesText() + ")";
    }

    private void binding(ServerResult r, StunChannel channel) throws IOException {
        r.binding = Exchange.run(channel, StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, newId()).build(),
                settings.schedule());
        if (!r.binding.answered()) {
            r.fail(unanswered(channel, r, "a STUN Binding request", r.binding));
            return;
        }
        StunMessage m = r.binding.answer();
        if (m.messageClass() == StunMessageType.CLASS_ERROR) {
            r.fail("answered a Binding request with error " + ErrorCodeAttribute.codeOf(m));
            return;
        }
        r.mapped = mapped(m);
        if (r.mapped == null) {
            r.fail("answered without an XOR-MAPPED-ADDRESS, so clients learn no server-reflexive address");
        }
        if (r.binding.sentAtMillis().size() > 1) {
            r.warn("it answered only after " + r.binding.sentAtMillis().size() + " tries (requests lost on the way, "
                    + "or a server slower than the " + settings.schedule().rtoMillis() + " ms retransmission timer)");
        }
    }

    private void turn(ServerResult r, StunChannel a) throws IOException, GeneralSecurityException {
        r.challenge = Exchange.run(a, StunMessageBuilder.of(ALLOCATE, newId())
                .add(StunAttributeType.REQUESTED_TRANSPORT, UDP_RELAY).build(), settings.schedule());
        if (!r.challenge.answered()) {
            r.fail(unanswered(a, r, "an Allocate request", r.challenge));
            return;
        }
        StunMessage c = r.challenge.answer();
        if (c.messageClass() == StunMessageType.CLASS_SUCCESS) {
            r.fail("allocated a relay without asking for credentials: it is an open relay anybody can use");
            r.relay = XorAddress.decode(c, StunAttributeType.XOR_RELAYED_ADDRESS);
            refresh0(a, null);
            return;
        }
        int code = ErrorCodeAttribute.codeOf(c);
        String realm = c.stringValue(StunAttributeType.REALM);
        byte[] nonce = c.value(StunAttributeType.NONCE);
        if (code != 401 || realm == null || nonce == null) {
            r.fail("answered an unauthenticated Allocate with " + code + " instead of 401 with a realm and nonce");
            return;
        }
        if (r.username == null || r.credential == null) {
            r.fail("no username and credential are listed for it, so no client can allocate a relay");
            return;
        }
        Allocation first = allocate(r, a, realm, nonce, true);
        if (first == null) {
            return;
        }
        try {
            if (settings.relayRoundTrip()) {
                roundTrip(r, first);
            }
        } finally {
            refresh0(a, first);
        }
    }

    /** An allocation's state for the round trip and the final Refresh. */
    private record Allocation(StunChannel channel, String username, String realm, byte[] nonce, byte[] key,
            InetSocketAddress relay) {
    }

    private Allocation allocate(ServerResult r, StunChannel ch, String realm, byte[] nonce, boolean record)
            throws IOException {
        byte[] key = PasswordAlgorithm.MD5.key(r.username, realm, r.credential);
        Exchange.Outcome o = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            o = Exchange.run(ch, signed(StunMessageBuilder.of(ALLOCATE, newId())
                    .add(StunAttributeType.REQUESTED_TRANSPORT, UDP_RELAY)
                    .addUint32(StunAttributeType.LIFETIME, LIFETIME_SECONDS), r.username, realm, nonce, key),
                    settings.schedule());
            if (o.answered() && ErrorCodeAttribute.codeOf(o.answer()) == 438
                    && o.answer().value(StunAttributeType.NONCE) != null) {
                nonce = o.answer().value(StunAttributeType.NONCE);
                continue;
            }
            break;
        }
        if (record) {
            r.allocate = o;
        }
        if (!o.answered()) {
            r.fail("answered the challenge but never the authenticated Allocate (" + o.triesText() + ")");
            return null;
        }
        StunMessage m = o.answer();
        if (m.messageClass() == StunMessageType.CLASS_ERROR) {
            r.fail(allocateRefusal(ErrorCodeAttribute.codeOf(m), r.username, m));
            return null;
        }
        InetSocketAddress relay = XorAddress.decode(m, StunAttributeType.XOR_RELAYED_ADDRESS);
        if (relay == null) {
            r.fail("allocated without an XOR-RELAYED-ADDRESS, so clients get no relay candidate");
            return null;
        }
        if (record) {
            r.relay = relay;
            r.mapped = mapped(m);
        }
        return new Allocation(ch, r.username, realm, nonce, key, relay);
    }

    static String allocateRefusal(int code, String username, StunMessage m) {
        switch (code) {
            case 401: {
                long expiry = -1;
                try {
                    expiry = TurnRestCredential.expiryOf(username);
                } catch (RuntimeException e) {
                    // not a TURN REST username
                }
                long now = Instant.now().getEpochSecond();
                if (expiry > 0 && expiry < now) {
                    return "refused the credentials (401): the TURN REST username '" + username + "' expired at "
                            + Instant.ofEpochSecond(expiry) + "; fetch fresh credentials";
                }
                if (expiry > now + FAR_EXPIRY_SECONDS) {
                    return "refused the credentials (401): the TURN REST username '" + username + "' expires "
                            + (expiry - now) / FAR_EXPIRY_SECONDS + " days ahead, further than servers accept "
                            + "(turn-service: 24 h by default), or the password is wrong";
                }
                return "refused the credentials (401 to the authenticated Allocate): wrong username or password"
                        + (expiry > 0 ? ", or a TURN REST credential made with another secret" : "");
            }
            case 403:
                return "forbids this client to allocate (403)";
            case 300: {
                InetSocketAddress alt = XorAddress.decode(m, StunAttributeType.ALTERNATE_SERVER);
                return "redirects clients elsewhere (300 Try Alternate" + (alt == null ? "" : ", to "
                        + Report.address(alt)) + "); list that server instead";
            }
            case 437:
                return "already holds an allocation for this client's address (437)";
            case 440:
            case 442:
                return "cannot relay UDP for this client (" + code + ")";
            case 486:
                return "refused: this user's allocation quota is full (486)";
            case 508:
                return "refused: the server is out of relay capacity (508)";
            default:
                return "refused the authenticated Allocate with " + code;
        }
    }

    /**
     * Data through the relay: a second allocation over the same transport, permissions both ways, a Send indication
     * from the first to the second's relay address and the answer back. Lost indications (UDP) are sent again.
     */
    private void roundTrip(ServerResult r, Allocation a) throws IOException, GeneralSecurityException {
        // The second connection's times and failures are its own: they must not change what r says of the first.
        ServerResult other = new ServerResult(r.url, r.username, r.credential);
        other.address = r.address;
        try (StunChannel second = open(other)) {
            if (second == null) {
                r.relayNote = "a second connection for the relay round trip failed: " + other.failure;
                return;
            }
            StunMessage c = Exchange.run(second, StunMessageBuilder.of(ALLOCATE, newId())
                    .add(StunAttributeType.REQUESTED_TRANSPORT, UDP_RELAY).build(), settings.schedule()).answer();
            if (c == null || c.value(StunAttributeType.NONCE) == null) {
                r.relayNote = "the second allocation got no challenge";
                return;
            }
            ServerResult scratch = new ServerResult(r.url, r.username, r.credential);
            Allocation b = allocate(scratch, second, c.stringValue(StunAttributeType.REALM),
                    c.value(StunAttributeType.NONCE), false);
            if (b == null) {
                r.relayNote = "a second allocation was refused: " + scratch.failure;
                return;
            }
            try {
                String refusal = permit(a, b.relay());
                if (refusal == null) {
                    refusal = permit(b, a.relay());
                }
                if (refusal != null) {
                    r.relayNote = refusal;
                    r.warn("data through the relay was not tested: " + refusal);
                    return;
                }
                byte[] token = ("icemesh-doctor " + Long.toHexString(RANDOM.nextLong()))
                        .getBytes(StandardCharsets.US_ASCII);
                long start = System.nanoTime();
                long deadline = start + settings.schedule().giveUpAt() * 1_000_000;
                if (!carry(a, b, token, deadline) || !carry(b, a, token, deadline)) {
                    r.relayRoundTripNanos = -1;
                    r.relayNote = "data sent through the relay never came out of the other allocation within "
                            + Report.seconds(settings.schedule().giveUpAt());
                    r.fail("allocates, but " + r.relayNote);
                    return;
                }
                r.relayRoundTripNanos = System.nanoTime() - start;
            } finally {
                refresh0(second, b);
            }
        }
    }

    /** CreatePermission for the peer's address; null when granted, else why not. */
    private String permit(Allocation from, InetSocketAddress peer) throws IOException {
        Exchange.Outcome o = Exchange.run(from.channel(), signed(StunMessageBuilder.of(CREATE_PERMISSION, newId())
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer), from.username(), from.realm(),
                from.nonce(), from.key()), settings.schedule());
        if (!o.answered()) {
            return "CreatePermission went unanswered";
        }
        if (o.answer().messageClass() == StunMessageType.CLASS_ERROR) {
            int code = ErrorCodeAttribute.codeOf(o.answer());
            return code == 403
                    ? "the server refuses its own relay address " + Report.address(peer) + " as a peer (403; its peer "
                    + "address rules forbid that network)"
                    : "CreatePermission answered " + code;
        }
        return null;
    }

    /** Sends the token from {@code from} to {@code to}'s relay until it arrives as a Data indication there. */
    private boolean carry(Allocation from, Allocation to, byte[] token, long deadlineNanos) throws IOException {
        byte[] send = StunMessageBuilder.of(StunMessageType.SEND_INDICATION, newId())
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, to.relay())
                .add(StunAttributeType.DATA, token).build();
        long step = settings.schedule().rtoMillis() * 1_000_000;
        while (System.nanoTime() < deadlineNanos) {
            from.channel().send(send);
            long until = Math.min(deadlineNanos, System.nanoTime() + step);
            StunMessage m;
            while ((m = to.channel().receive(until)) != null) {
                if (m.type() == StunMessageType.DATA_INDICATION
                        && Arrays.equals(token, m.value(StunAttributeType.DATA))) {
                    return true;
                }
            }
        }
        return false;
    }

    private void refresh0(StunChannel ch, Allocation a) {
        try {
            StunMessageBuilder b = StunMessageBuilder.of(REFRESH, newId()).addUint32(StunAttributeType.LIFETIME, 0);
            byte[] request = a == null ? b.build() : signed(b, a.username(), a.realm(), a.nonce(), a.key());
            Exchange.run(ch, request, new Exchange.Schedule(settings.schedule().rtoMillis(), 2, 1));
        } catch (IOException | RuntimeException e) {
            // best effort: the allocation expires by itself after LIFETIME_SECONDS
        }
    }

    private static byte[] signed(StunMessageBuilder b, String username, String realm, byte[] nonce, byte[] key) {
        return b.addString(StunAttributeType.USERNAME, username).addString(StunAttributeType.REALM, realm)
                .add(StunAttributeType.NONCE, nonce).addMessageIntegrity(key).addFingerprint().build();
    }

    private static InetSocketAddress mapped(StunMessage m) {
        return XorAddress.decode(m, StunAttributeType.XOR_MAPPED_ADDRESS);
    }

    static byte[] newId() {
        byte[] id = new byte[StunMessage.TRANSACTION_ID_LENGTH];
        RANDOM.nextBytes(id);
        return id;
    }
}
