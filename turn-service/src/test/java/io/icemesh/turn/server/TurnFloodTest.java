package io.icemesh.turn.server;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * turn-service under bounded floods from loopback: TCP connections nobody authenticates cannot take the file
 * descriptors others need, a frame dripped a byte at a time or a connection that never authenticates cannot hold a
 * descriptor, and one flooding UDP socket does not lock honest clients behind the same address out of their 401.
 * Connection caps are small here ({@link StreamLimitsProfile}); each test closes what it opened and waits until the
 * server holds no stream connection, so the tests do not see each other's connections.
 */
@QuarkusTest
@TestProfile(StreamLimitsProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class TurnFloodTest {

    @Inject
    TurnServer server;
    @Inject
    MeterRegistry registry;

    private final List<Socket> opened = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (Socket s : opened) {
            try {
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
        opened.clear();
        await().atMost(Duration.ofSeconds(20)).until(() -> gauge("icemesh.turn.stream.connections") == 0);
    }

    @Test
    void floodFromOneSourceIsCappedWhileUdpTcpAndReadinessKeepWorking() throws Exception {
        double refusedBefore = counter("icemesh.turn.stream.refused", "per_source");
        InetAddress flooder = InetAddress.getByName("127.0.0.1");
        int flood = 1_000;
        for (int i = 0; i < flood; i++) {
            Socket s = connect(flooder);
            s.getOutputStream().write(0); // one byte of a frame that never completes
        }
        await().atMost(Duration.ofSeconds(20)).until(
                () -> counter("icemesh.turn.stream.refused", "per_source") - refusedBefore >= flood - StreamLimitsProfile.MAX_PER_SOURCE);
        assertTrue(gauge("icemesh.turn.stream.connections") <= StreamLimitsProfile.MAX_PER_SOURCE,
                "one source holds no more than its cap: " + gauge("icemesh.turn.stream.connections"));

        try (TurnTestClient udp = new TurnTestClient(server.udpPort(), "alice", "alice-password")) {
            assertEquals(-1, code(udp.allocate()), "a UDP allocation while the flood holds its connections");
            udp.refresh(0);
        }
        try (TurnTestClient tcp = TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password",
                InetAddress.getByName("127.0.0.2"))) {
            assertEquals(-1, code(tcp.allocate()), "an honest TCP allocation from another address");
        }
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void floodFromManySourcesEvictsUnauthenticatedConnectionsNeverAuthenticatedOnes() throws Exception {
        double evictedBefore = counter("icemesh.turn.stream.closed", "evicted");
        try (TurnTestClient first = TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password",
                InetAddress.getByName("127.0.0.3"))) {
            assertEquals(-1, code(first.allocate()));
            int sources = 20;
            int perSource = 20;
            for (int a = 1; a <= sources; a++) {
                InetAddress source = InetAddress.getByName("127.0.1." + a);
                for (int i = 0; i < perSource; i++) {
                    connect(source);
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(
                    () -> counter("icemesh.turn.stream.closed", "evicted") - evictedBefore
                            >= sources * perSource - StreamLimitsProfile.MAX_CONNECTIONS + 1);
            assertTrue(gauge("icemesh.turn.stream.connections") <= StreamLimitsProfile.MAX_CONNECTIONS);
            long closed = opened.stream().filter(TurnFloodTest::closedByServer).count();
            assertTrue(closed >= sources * perSource - StreamLimitsProfile.MAX_CONNECTIONS + 1,
                    "evicted connections are closed: " + closed);

            try (TurnTestClient late = TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password",
                    InetAddress.getByName("127.0.0.4"))) {
                assertEquals(-1, code(late.allocate()), "a new honest client at the cap takes an unauthenticated slot");
                assertEquals(-1, code(first.refresh(600)), "the authenticated connection was not evicted");
            }
            given().when().get("/q/health/ready").then().statusCode(200);
        }
    }

    @Test
    void frameDrippedOneByteAtATimeIsClosedByTheFrameDeadline() throws Exception {
        double frameBefore = counter("icemesh.turn.stream.closed", "frame_timeout");
        double authBefore = counter("icemesh.turn.stream.closed", "auth_timeout");
        Socket s = connect(InetAddress.getByName("127.0.0.5"));
        byte[] binding = StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, TurnTestClient.newTransactionId())
                .build();
        AtomicLong sent = new AtomicLong();
        // a byte every 200 ms: the connection is never idle, but its frame would take 4 s to arrive
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
            int next = (int) sent.getAndIncrement();
            if (next < binding.length) {
                try {
                    s.getOutputStream().write(binding[next]);
                } catch (IOException e) {
                    return true;
                }
            }
            return closedByServer(s);
        });
        assertEquals(1, counter("icemesh.turn.stream.closed", "frame_timeout") - frameBefore, 0.0);
        assertEquals(0, counter("icemesh.turn.stream.closed", "auth_timeout") - authBefore, 0.0,
                "closed for its slow frame, not for want of authentication");
    }

    @Test
    void connectionWithoutAnAllocationIsClosedByTheAuthDeadlineWhateverItSends() throws Exception {
        double frameBefore = counter("icemesh.turn.stream.closed", "frame_timeout");
        double authBefore = counter("icemesh.turn.stream.closed", "auth_timeout");
        try (TurnTestClient c = TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password",
                InetAddress.getByName("127.0.0.6"))) {
            opened.add(c.stream);
            c.challenge();
            assertEquals(437, code(c.refresh(600)), "a request that authenticates but holds nothing");
            // complete Binding requests, answered, keep the connection busy; none of them makes an allocation
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> {
                try {
                    StunMessage answer = c.transact(StunMessageBuilder.of(StunMessageType.BINDING_REQUEST,
                            TurnTestClient.newTransactionId()).build());
                    return answer == null;
                } catch (IOException e) {
                    return true;
                }
            });
        }
        assertEquals(1, counter("icemesh.turn.stream.closed", "auth_timeout") - authBefore, 0.0);
        assertEquals(0, counter("icemesh.turn.stream.closed", "frame_timeout") - frameBefore, 0.0);
    }

    @Test
    void floodingUdpSocketDoesNotSpendTheChallengesOfOthersBehindTheSameAddress() throws Exception {
        double limitedBefore = registry.find("icemesh.turn.ratelimit.dropped").counter().count();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong floodSent = new AtomicLong();
        Thread flooder = new Thread(() -> {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.udpPort());
                while (flooding.get() && floodSent.get() < 200_000) {
                    for (int i = 0; i < 20; i++) {
                        byte[] allocate = StunMessageBuilder.of(TurnTestClient.requestType(StunMessageType.METHOD_ALLOCATE),
                                TurnTestClient.newTransactionId()).addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)
                                .build();
                        socket.send(new DatagramPacket(allocate, allocate.length, target));
                        floodSent.incrementAndGet();
                    }
                    LockSupport.parkNanos(10_000_000L); // about 2,000 requests a second
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, "udp-flooder");
        flooder.start();
        try {
            // the flood has spent far more than the address's burst (100) before the honest clients start
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> registry.find("icemesh.turn.ratelimit.dropped").counter().count() - limitedBefore > 500);
            for (int attempt = 0; attempt < 4; attempt++) {
                try (TurnTestClient honest = new TurnTestClient(server.udpPort(), "alice", "alice-password")) {
                    StunMessage challenge = honest.challenge();
                    assertNotNull(challenge, "attempt " + attempt + ": the honest client's challenge was not answered");
                    assertEquals(-1, code(honest.signedTransact(StunMessageType.METHOD_ALLOCATE,
                            b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24))), "attempt " + attempt);
                    honest.refresh(0);
                }
            }
            try (TurnTestClient probe = new TurnTestClient(server.udpPort(), "alice", "alice-password")) {
                StunMessage binding = probe.transact(StunMessageBuilder.of(StunMessageType.BINDING_REQUEST,
                        TurnTestClient.newTransactionId()).build());
                assertNotNull(binding, "a Binding probe from the flooder's address is answered");
            }
        } finally {
            flooding.set(false);
            flooder.join();
        }
    }

    private Socket connect(InetAddress source) throws IOException {
        Socket s = new Socket();
        opened.add(s);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.tcpPort()), 5_000);
        return s;
    }

    /** True when the server has closed the connection (end of stream or reset), false while it is open. */
    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(20);
            InputStream in = s.getInputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int code(StunMessage m) {
        assertNotNull(m, "no answer from the server");
        return ErrorCodeAttribute.codeOf(m);
    }

    private double counter(String name, String reason) {
        Counter c = registry.find(name).tag("reason", reason).counter();
        assertNotNull(c, name + " " + reason);
        return c.count();
    }

    private double gauge(String name) {
        return registry.find(name).gauge().value();
    }
}
