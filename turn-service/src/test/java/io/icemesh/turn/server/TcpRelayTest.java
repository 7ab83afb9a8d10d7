package io.icemesh.turn.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.XorAddress;
import io.icemesh.turn.interop.LoopbackPeersProfile;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCP allocations (RFC 6062) against a TCP echo peer on loopback (loopback peers allowed by the profile): Connect and
 * ConnectionBind, a peer connecting to the relayed address announced by ConnectionAttempt, and the error answers.
 * coturn's uclient exercises the same paths client to client in {@code TurnutilsInteropTest}.
 */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class TcpRelayTest {

    private static final long TCP = 6L << 24;
    private static final long UDP = 17L << 24;

    @Inject
    TurnServer server;

    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEchoPeer() throws IOException {
        echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException e) {
                    // closed, or the relay went away: serve the next one
                }
            }
        }, "tcp-echo-peer");
        echoThread.start();
    }

    @AfterEach
    void stopEchoPeer() throws Exception {
        echo.close();
        echoThread.join();
    }

    private TurnTestClient control() throws IOException {
        return TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password", InetAddress.getLoopbackAddress());
    }

    private static StunMessage allocate(TurnTestClient c, long transport) throws IOException {
        c.challenge();
        return c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, transport));
    }

    /** A data connection that binds {@code connectionId} with the control connection's credentials and nonce. */
    private TurnTestClient bind(TurnTestClient control, byte[] connectionId, int expectedCode) throws IOException {
        return bind(control(), control, connectionId, expectedCode);
    }

    private TurnTestClient bind(TurnTestClient data, TurnTestClient control, byte[] connectionId, int expectedCode)
            throws IOException {
        data.realm = control.realm;
        data.nonce = control.nonce;
        StunMessage bound = data.signedTransact(StunMessageType.METHOD_CONNECTION_BIND,
                b -> b.add(StunAttributeType.CONNECTION_ID, connectionId));
        assertEquals(expectedCode, code(bound), "ConnectionBind");
        return data;
    }

    @Test
    void connectReachesThePeerAndTheBoundDataConnectionCarriesItsBytesBothWays() throws Exception {
        try (TurnTestClient c = control()) {
            assertEquals(-1, code(allocate(c, TCP)), "a TCP allocation over a TCP control connection");
            StunMessage connected = c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()));
            assertEquals(-1, code(connected), "Connect to the echo peer");
            byte[] id = connected.value(StunAttributeType.CONNECTION_ID);
            assertNotNull(id, "Connect answers with CONNECTION-ID");
            assertEquals(446, code(c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()))), "a second Connect to the peer");
            try (TurnTestClient data = bind(c, id, -1)) {
                assertEchoed(data.stream, "through the relay and back, on a data connection");
                bind(c, id, 400).close(); // a connection is bound once
            }
        }
    }

    @Test
    void tcpRelayWorksOverTlsControlAndDataConnections() throws Exception {
        try (TurnTestClient c = TurnTestClient.tls(server.tlsPort(), "alice", "alice-password")) {
            assertEquals(-1, code(allocate(c, TCP)), "a TCP allocation over a TLS control connection");
            StunMessage connected = c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()));
            assertEquals(-1, code(connected), "Connect to the echo peer");
            try (TurnTestClient data = TurnTestClient.tls(server.tlsPort(), "alice", "alice-password")) {
                data.realm = c.realm;
                data.nonce = c.nonce;
                assertEquals(-1, code(data.signedTransact(StunMessageType.METHOD_CONNECTION_BIND,
                        b -> b.add(StunAttributeType.CONNECTION_ID, connected.value(StunAttributeType.CONNECTION_ID)))));
                assertEchoed(data.stream, "through a TLS data connection, the relay and back");
            }
        }
    }

    @Test
    void bytesSentRightBehindTheConnectionBindReachThePeerInOrder() throws Exception {
        try (TurnTestClient c = control()) {
            assertEquals(-1, code(allocate(c, TCP)));
            StunMessage connected = c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()));
            try (TurnTestClient data = control()) {
                data.realm = c.realm;
                data.nonce = c.nonce;
                // coturn's uclient does this: ConnectionBind and its first data in one write, without waiting
                byte[] bindRequest = data.signed(StunMessageType.METHOD_CONNECTION_BIND,
                        b -> b.add(StunAttributeType.CONNECTION_ID, connected.value(StunAttributeType.CONNECTION_ID)));
                // peer bytes that happen to look like a whole 28-byte STUN frame, then 5 more: framed as STUN they
                // would come out of order (the tail first)
                byte[] first = new byte[33];
                first[1] = 1;
                first[3] = 8;
                for (int i = 4; i < first.length; i++) {
                    first[i] = (byte) i;
                }
                byte[] both = new byte[bindRequest.length + first.length];
                System.arraycopy(bindRequest, 0, both, 0, bindRequest.length);
                System.arraycopy(first, 0, both, bindRequest.length, first.length);
                data.sendRaw(both);
                assertEquals(-1, code(data.receive()), "the ConnectionBind answer comes first");
                assertArrayEquals(first, readFully(data.stream.getInputStream(), first.length),
                        "the bytes behind it went to the peer as they were, and came back");
            }
        }
    }

    @Test
    void aPeerThatClosesRightAfterAWriteHasEveryByteDeliveredFirst() throws Exception {
        int size = 8 * 1024 * 1024;
        try (ServerSocket blaster = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> {
                try (Socket s = blaster.accept()) {
                    byte[] chunk = new byte[64 * 1024];
                    for (int sent = 0; sent < size; sent += chunk.length) {
                        s.getOutputStream().write(chunk);
                    }
                } catch (IOException e) {
                    // the test fails on the count below
                }
            }, "tcp-blaster-peer");
            writer.start();
            try (TurnTestClient c = control()) {
                assertEquals(-1, code(allocate(c, TCP)));
                StunMessage connected = c.signedTransact(StunMessageType.METHOD_CONNECT, b -> b.addXorAddress(
                        StunAttributeType.XOR_PEER_ADDRESS,
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), blaster.getLocalPort())));
                assertEquals(-1, code(connected));
                try (TurnTestClient data = bind(c, connected.value(StunAttributeType.CONNECTION_ID), -1)) {
                    data.stream.setSoTimeout(10_000);
                    InputStream in = data.stream.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    long received = 0;
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        received += n;
                    }
                    assertEquals(size, received, "the peer's close waits for its bytes to reach the client");
                }
            }
            writer.join();
        }
    }

    @Test
    void peerConnectingToTheRelayedAddressIsAnnouncedAndBound() throws Exception {
        try (TurnTestClient c = control()) {
            StunMessage allocated = allocate(c, TCP);
            assertEquals(-1, code(allocated));
            InetSocketAddress relayed = XorAddress.decode(allocated, StunAttributeType.XOR_RELAYED_ADDRESS);
            assertEquals(-1, code(c.createPermission(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))));
            try (Socket peer = new Socket()) {
                peer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                peer.connect(relayed, 3_000);
                StunMessage attempt = c.receive();
                assertNotNull(attempt, "a ConnectionAttempt indication on the control connection");
                assertEquals(StunMessageType.of(StunMessageType.METHOD_CONNECTION_ATTEMPT,
                        StunMessageType.CLASS_INDICATION), attempt.type());
                assertEquals(peer.getLocalSocketAddress(), XorAddress.decode(attempt, StunAttributeType.XOR_PEER_ADDRESS));
                try (TurnTestClient data = bind(c, attempt.value(StunAttributeType.CONNECTION_ID), -1)) {
                    byte[] hello = "hello from the peer".getBytes(StandardCharsets.UTF_8);
                    peer.getOutputStream().write(hello);
                    assertArrayEquals(hello, readFully(data.stream.getInputStream(), hello.length));
                    byte[] back = "and back from the client".getBytes(StandardCharsets.UTF_8);
                    data.stream.getOutputStream().write(back);
                    peer.setSoTimeout(3_000);
                    assertArrayEquals(back, readFully(peer.getInputStream(), back.length));
                }
            }
        }
    }

    @Test
    void aPeerConnectingAfterTheCredentialExpiredIsBoundWithItFromTheClientsAddressOnly() throws Exception {
        long expiry = System.currentTimeMillis() / 1000 + 2;
        String user = expiry + ":session-tcp-call";
        String password = TurnRestCredential.password("test-only-secret", user);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (TurnTestClient c = TurnTestClient.tcp(server.tcpPort(), user, password, loopback)) {
            StunMessage allocated = allocate(c, TCP);
            assertEquals(-1, code(allocated), "allocated while the credential is valid");
            InetSocketAddress relayed = XorAddress.decode(allocated, StunAttributeType.XOR_RELAYED_ADDRESS);
            assertEquals(-1, code(c.createPermission(new InetSocketAddress(loopback, 0))));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> System.currentTimeMillis() / 1000 > expiry);
            assertEquals(401, code(c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()))),
                    "a Connect opens a new connection: it needs a valid credential");
            try (Socket peer = new Socket()) {
                peer.bind(new InetSocketAddress(loopback, 0));
                peer.connect(relayed, 3_000);
                StunMessage attempt = c.receive();
                assertNotNull(attempt, "a ConnectionAttempt indication on the control connection");
                byte[] id = attempt.value(StunAttributeType.CONNECTION_ID);
                InetAddress elsewhere = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
                try (TurnTestClient other = bind(TurnTestClient.tcp(server.tcpPort(), user, password, elsewhere), c,
                        id, 401)) {
                    assertNotNull(other, "from another address the expired credential binds nothing");
                }
                try (TurnTestClient data = bind(TurnTestClient.tcp(server.tcpPort(), user, password, loopback), c, id,
                        -1)) {
                    byte[] hello = "a peer of a call older than its credential".getBytes(StandardCharsets.UTF_8);
                    peer.getOutputStream().write(hello);
                    assertArrayEquals(hello, readFully(data.stream.getInputStream(), hello.length));
                }
            }
        }
    }

    @Test
    void peerWithoutPermissionIsRefused() throws Exception {
        try (TurnTestClient c = control()) {
            StunMessage allocated = allocate(c, TCP);
            InetSocketAddress relayed = XorAddress.decode(allocated, StunAttributeType.XOR_RELAYED_ADDRESS);
            try (Socket peer = new Socket()) {
                peer.connect(relayed, 3_000);
                peer.setSoTimeout(3_000);
                assertTrue(closed(peer.getInputStream()), "the relay closes a connection from a peer without permission");
            }
            assertEquals(null, c.receive(), "and announces nothing");
        }
    }

    @Test
    void errorsOfTcpAllocations() throws Exception {
        try (TurnTestClient c = control()) {
            assertEquals(-1, code(allocate(c, TCP)));
            assertEquals(400, code(c.signedTransact(StunMessageType.METHOD_CONNECT, b -> { })), "Connect without a peer");
            assertEquals(400, code(c.channelBind(0x4000, peer())), "ChannelBind on a TCP allocation");
            InetSocketAddress closed = closedPort();
            assertEquals(447, code(c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, closed))), "Connect to a closed port");
            bind(c, new byte[] {1, 2, 3, 4}, 400).close();
        }
        try (TurnTestClient udp = new TurnTestClient(server.udpPort(), "alice", "alice-password")) {
            assertEquals(400, code(allocate(udp, TCP)), "a TCP allocation needs a TCP or TLS control connection");
            assertEquals(-1, code(allocate(udp, UDP)));
            assertEquals(400, code(udp.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peer()))), "Connect on a UDP allocation");
            udp.refresh(0);
        }
    }

    private InetSocketAddress peer() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort());
    }

    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    private static void assertEchoed(Socket data, String what) throws IOException {
        data.setSoTimeout(3_000);
        OutputStream out = data.getOutputStream();
        byte[] payload = new byte[100_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        Thread writer = new Thread(() -> {
            try {
                out.write(payload);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        assertArrayEquals(payload, readFully(data.getInputStream(), payload.length), what);
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        new DataInputStream(in).readFully(b);
        return b;
    }

    private static boolean closed(InputStream in) {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static int code(StunMessage m) {
        assertNotNull(m, "no answer from the server");
        return ErrorCodeAttribute.codeOf(m);
    }
}
