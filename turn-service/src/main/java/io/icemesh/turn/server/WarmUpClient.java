package io.icemesh.turn.server;

import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.TurnRestCredential;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The warm-up's client: what a browser does to get a relay, one allocation after another against the node's private
 * warm-up server, each from a socket of its own (a new 5-tuple, as every real client's is): an unauthenticated
 * Allocate (401 with a nonce), the signed Allocate, CreatePermission and ChannelBind for a peer (a loopback socket of
 * its own, to which nothing is sent), and Refresh with lifetime 0. Allocations take turns between a static user and
 * a TURN REST credential ({@code expiry:user}, its password an HMAC of the secret), the two forms a node serves.
 */
final class WarmUpClient {

    /** Allocations completed, and those that failed (a lost or unexpected answer). */
    record Result(int allocations, int failures) {
    }

    /** Consecutive failures after which the warm-up gives up (the private server is not answering). */
    static final int MAX_FAILURES_IN_A_ROW = 20;
    private static final int ANSWER_TIMEOUT_MS = 1000;
    private static final int ALLOCATE = StunMessageType.of(StunMessageType.METHOD_ALLOCATE,
            StunMessageType.CLASS_REQUEST);
    private static final int REFRESH = StunMessageType.of(StunMessageType.METHOD_REFRESH,
            StunMessageType.CLASS_REQUEST);
    private static final int CREATE_PERMISSION = StunMessageType.of(StunMessageType.METHOD_CREATE_PERMISSION,
            StunMessageType.CLASS_REQUEST);
    private static final int CHANNEL_BIND = StunMessageType.of(StunMessageType.METHOD_CHANNEL_BIND,
            StunMessageType.CLASS_REQUEST);
    private static final long UDP = 17L << 24;

    /** The warm-up's static user is this and 8 hex digits made up at boot; its REST username ends with it. */
    static final String USER_PREFIX = "wu-";
    /** How far ahead the warm-up's TURN REST credential may expire (its server's limit). */
    static final long REST_LIFETIME_SECONDS = 3600;

    private final InetSocketAddress server;
    private final String realm;
    /** The static user and the TURN REST username, used in turn, and their long-term keys. */
    private final String[] users;
    private final byte[][] keys;
    private final byte[] buffer = new byte[2048];

    WarmUpClient(InetSocketAddress server, String user, String password, String secret, String realm) {
        this.server = server;
        this.realm = realm;
        String restUser = (System.currentTimeMillis() / 1000 + REST_LIFETIME_SECONDS / 2) + ":" + user;
        this.users = new String[] {user, restUser};
        this.keys = new byte[][] {PasswordAlgorithm.MD5.key(user, realm, password),
                PasswordAlgorithm.MD5.key(restUser, realm, TurnRestCredential.password(secret, restUser))};
    }

    /** Runs up to {@code count} allocations, until {@code deadlineNanos} at the latest. */
    Result run(int count, long deadlineNanos) throws IOException {
        int done = 0;
        int failed = 0;
        int failedInARow = 0;
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
            while (done < count && System.nanoTime() < deadlineNanos && failedInARow < MAX_FAILURES_IN_A_ROW) {
                boolean ok;
                try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
                    socket.setSoTimeout(ANSWER_TIMEOUT_MS);
                    int credential = (done + failed) & 1;
                    ok = allocateOnce(socket, peerAddress, users[credential], keys[credential]);
                }
                if (ok) {
                    done++;
                    failedInARow = 0;
                } else {
                    failed++;
                    failedInARow++;
                }
            }
        }
        return new Result(done, failed);
    }

    private boolean allocateOnce(DatagramSocket socket, InetSocketAddress peer, String user, byte[] key)
            throws IOException {
        StunMessage challenge = exchange(socket, StunMessageBuilder.of(ALLOCATE, transactionId())
                .addUint32(StunAttributeType.REQUESTED_TRANSPORT, UDP).addFingerprint());
        if (challenge == null || ErrorCodeAttribute.codeOf(challenge) != 401) {
            return false;
        }
        String nonce = challenge.stringValue(StunAttributeType.NONCE);
        StunMessage allocated = exchange(socket, signed(StunMessageBuilder.of(ALLOCATE, transactionId())
                .addUint32(StunAttributeType.REQUESTED_TRANSPORT, UDP), nonce, user, key));
        if (!succeeded(allocated)) {
            // A failed Allocate leaves no allocation; anything else is freed by the Refresh below.
            return false;
        }
        boolean ok = succeeded(exchange(socket, signed(StunMessageBuilder.of(CREATE_PERMISSION, transactionId())
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer), nonce, user, key)));
        int channel = 0x4000 + ThreadLocalRandom.current().nextInt(0x1000);
        ok &= succeeded(exchange(socket, signed(StunMessageBuilder.of(CHANNEL_BIND, transactionId())
                .addUint32(StunAttributeType.CHANNEL_NUMBER, (long) channel << 16)
                .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer), nonce, user, key)));
        ok &= succeeded(exchange(socket, signed(StunMessageBuilder.of(REFRESH, transactionId())
                .addUint32(StunAttributeType.LIFETIME, 0), nonce, user, key)));
        return ok;
    }

    private StunMessageBuilder signed(StunMessageBuilder request, String nonce, String user, byte[] key) {
        return request.addString(StunAttributeType.USERNAME, user).addString(StunAttributeType.REALM, realm)
                .addString(StunAttributeType.NONCE, nonce).addMessageIntegrity(key).addFingerprint();
    }

    private static boolean succeeded(StunMessage answer) {
        return answer != null && answer.messageClass() == StunMessageType.CLASS_SUCCESS;
    }

    /** Sends a request and returns its answer (another transaction's late answer is skipped), or null. */
    private StunMessage exchange(DatagramSocket socket, StunMessageBuilder request) throws IOException {
        byte[] bytes = request.build();
        byte[] transaction = request.transactionId();
        socket.send(new DatagramPacket(bytes, bytes.length, server));
        long deadline = System.nanoTime() + ANSWER_TIMEOUT_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(answer);
            } catch (SocketTimeoutException e) {
                return null;
            }
            StunMessage message = StunMessageDecoder.decode(buffer, 0, answer.getLength());
            if (message != null && message.hasTransactionId(transaction)) {
                return message;
            }
        }
        return null;
    }

    private static byte[] transactionId() {
        byte[] id = new byte[StunMessage.TRANSACTION_ID_LENGTH];
        ThreadLocalRandom.current().nextBytes(id);
        return id;
    }
}
