package io.icemesh.turn.server;

import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A small TURN client over UDP (or TCP, see {@link #tcp}) on loopback for tests, built on our codec: it does the 401
 * round trip, keeps the realm and nonce, signs requests with MESSAGE-INTEGRITY (or -SHA256) and returns decoded
 * answers.
 */
final class TurnTestClient implements AutoCloseable {

    private static final int TIMEOUT_MS = 3000;

    final DatagramSocket socket;
    /** The TCP connection when this client speaks TCP, else null. */
    final Socket stream;
    private final InetSocketAddress server;
    String username;
    String password;
    String realm;
    String nonce;
    boolean sha256;

    TurnTestClient(int port, String username, String password) throws IOException {
        this(port, username, password, new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                null);
    }

    private TurnTestClient(int port, String username, String password, DatagramSocket socket, Socket stream)
            throws IOException {
        this.socket = socket;
        this.stream = stream;
        if (socket != null) {
            socket.setSoTimeout(TIMEOUT_MS);
        }
        this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        this.username = username;
        this.password = password;
    }

    /**
     * A client on a TLS connection to the server's TLS port. The test trusts any certificate: the server's is
     * self-signed, and what is tested is TURN over the TLS stream, not the certificate.
     */
    static TurnTestClient tls(int port, String username, String password) throws Exception {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(
                InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(TIMEOUT_MS);
        s.startHandshake();
        return new TurnTestClient(port, username, password, null, s);
    }

    /** A client on a TCP connection from {@code source} (any loopback address) to the server's TCP port. */
    static TurnTestClient tcp(int port, String username, String password, InetAddress source) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
        s.setSoTimeout(TIMEOUT_MS);
        return new TurnTestClient(port, username, password, null, s);
    }

    static byte[] newTransactionId() {
        byte[] tx = new byte[12];
        ThreadLocalRandom.current().nextBytes(tx);
        return tx;
    }

    static int requestType(int method) {
        return StunMessageType.of(method, StunMessageType.CLASS_REQUEST);
    }

    void sendRaw(byte[] bytes) throws IOException {
        if (stream != null) {
            stream.getOutputStream().write(bytes);
            stream.getOutputStream().flush();
            return;
        }
        socket.send(new DatagramPacket(bytes, bytes.length, server));
    }

    /** Receives the next STUN message, skipping other datagrams; null on timeout. */
    StunMessage receive() throws IOException {
        if (stream != null) {
            return receiveFromStream();
        }
        byte[] buf = new byte[65536];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            StunMessage m = StunMessageDecoder.decode(buf, 0, p.getLength());
            if (m != null) {
                return m;
            }
        }
    }

    /** Reads frames (STUN, or padded ChannelData) until a STUN message; null on timeout or when the server closed. */
    private StunMessage receiveFromStream() throws IOException {
        DataInputStream in = new DataInputStream(stream.getInputStream());
        while (true) {
            byte[] header = new byte[4];
            try {
                in.readFully(header);
            } catch (SocketTimeoutException | java.io.EOFException e) {
                return null;
            }
            int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            boolean stun = (header[0] & 0xC0) == 0;
            int rest = stun ? StunMessage.HEADER_LENGTH - 4 + length : (length + 3) & ~3;
            byte[] frame = Arrays.copyOf(header, 4 + rest);
            in.readFully(frame, 4, rest);
            if (stun) {
                return StunMessageDecoder.decode(frame);
            }
        }
    }

    /** Receives the next raw datagram; null on timeout. */
    byte[] receiveRaw() throws IOException {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buf, p.getLength());
    }

    /** Sends and waits for the answer with the same transaction id. */
    StunMessage transact(byte[] request) throws IOException {
        sendRaw(request);
        byte[] tx = Arrays.copyOfRange(request, 8, 20);
        while (true) {
            StunMessage m = receive();
            if (m == null || m.hasTransactionId(tx)) {
                return m;
            }
        }
    }

    /** A signed request: attributes added by {@code body}, then USERNAME, REALM, NONCE and the integrity. */
    byte[] signed(int method, java.util.function.Consumer<StunMessageBuilder> body) {
        StunMessageBuilder b = StunMessageBuilder.of(requestType(method), newTransactionId());
        body.accept(b);
        b.addString(StunAttributeType.USERNAME, username).addString(StunAttributeType.REALM, realm)
                .addString(StunAttributeType.NONCE, nonce);
        if (sha256) {
            b.add(StunAttributeType.PASSWORD_ALGORITHMS, PasswordAlgorithm.OFFERED)
                    .add(StunAttributeType.PASSWORD_ALGORITHM, new byte[] {0, 2, 0, 0});
            b.addMessageIntegritySha256(PasswordAlgorithm.SHA256.key(username, realm, password));
        } else {
            b.addMessageIntegrity(PasswordAlgorithm.MD5.key(username, realm, password));
        }
        return b.addFingerprint().build();
    }

    /** Sends a signed request; on 438 takes the new nonce and retries once. */
    StunMessage signedTransact(int method, java.util.function.Consumer<StunMessageBuilder> body) throws IOException {
        StunMessage answer = transact(signed(method, body));
        if (answer != null && ErrorCodeAttribute.codeOf(answer) == 438) {
            nonce = answer.stringValue(StunAttributeType.NONCE);
            answer = transact(signed(method, body));
        }
        return answer;
    }

    /** Unauthenticated Allocate to learn realm and nonce; returns the 401. */
    StunMessage challenge() throws IOException {
        byte[] req = StunMessageBuilder.of(requestType(StunMessageType.METHOD_ALLOCATE), newTransactionId())
                .addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24).addFingerprint().build();
        StunMessage answer = transact(req);
        if (answer != null) {
            realm = answer.stringValue(StunAttributeType.REALM);
            nonce = answer.stringValue(StunAttributeType.NONCE);
        }
        return answer;
    }

    /** Challenge, then a signed Allocate for UDP. */
    StunMessage allocate() throws IOException {
        challenge();
        return signedTransact(StunMessageType.METHOD_ALLOCATE,
                b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24));
    }

    StunMessage createPermission(InetSocketAddress peer) throws IOException {
        return signedTransact(StunMessageType.METHOD_CREATE_PERMISSION,
                b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer));
    }

    StunMessage channelBind(int channel, InetSocketAddress peer) throws IOException {
        return signedTransact(StunMessageType.METHOD_CHANNEL_BIND,
                b -> b.addUint32(StunAttributeType.CHANNEL_NUMBER, ((long) channel) << 16)
                        .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer));
    }

    StunMessage refresh(long lifetime) throws IOException {
        return signedTransact(StunMessageType.METHOD_REFRESH, b -> b.addUint32(StunAttributeType.LIFETIME, lifetime));
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // closing a test connection; nothing to do
            }
        }
    }
}
