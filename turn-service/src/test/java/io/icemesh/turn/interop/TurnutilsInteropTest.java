package io.icemesh.turn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.Topics;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.testkit.KafkaTestClient;
import io.icemesh.turn.server.TurnServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * coturn's own client tools against turn-service, relaying to a turnutils_peer echo server on loopback.
 *
 * <p>Flags, and why: {@code -c} turns off uclient's RTCP allocation pair, which asks for EVEN-PORT with a
 * reservation and then a RESERVATION-TOKEN (RFC 8656 Section 14.9): this server keeps no reservations and answers
 * such tokens 508, so without {@code -c} uclient exits before sending. {@code -m} clients each send {@code -n}
 * messages of {@code -l} bytes every {@code -z} ms; uclient waits for every echo and prints the loss. uclient 4.6.1
 * picks channel numbers in RFC 5766's 0x4000-0x7FFF, which this server accepts unless strict-channel-range is set.
 */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TurnutilsInteropTest {

    private static final Pattern LOSS = Pattern.compile("Total lost packets (\\d+) \\(([0-9.]+)%\\)");
    private static final Pattern TOTALS = Pattern.compile("start_mclient: tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)\\s");
    private static final int CLIENTS = 5;
    /** In client-to-client mode (-T) uclient runs clients in pairs, so it rounds -m up to an even number. */
    private static final int C2C_CLIENTS = (CLIENTS + 1) / 2 * 2;
    private static final int MESSAGES = 100;
    private static final int MESSAGE_BYTES = 200;
    private static final int C2C_MESSAGES = C2C_CLIENTS * MESSAGES;

    @Inject
    TurnServer server;
    @Inject
    MeterRegistry registry;

    private String uclient;
    private ExternalProcess peer;
    private int peerPort;

    @BeforeAll
    void startPeer() throws Exception {
        uclient = ExternalProcess.binary("turnutils_uclient", "coturn").toString();
        String peerBinary = ExternalProcess.binary("turnutils_peer", "coturn").toString();
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            peerPort = probe.getLocalPort();
        }
        peer = ExternalProcess.start(List.of(peerBinary, "-L", "127.0.0.1", "-p", String.valueOf(peerPort)));
    }

    @AfterAll
    void stopPeer() {
        if (peer != null) {
            peer.close();
        }
    }

    /** Runs uclient with common flags plus {@code extra}; returns its output after checking it exited. */
    private String runUclient(int port, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(uclient, "-c", "-m", String.valueOf(CLIENTS), "-n",
                String.valueOf(MESSAGES), "-l", String.valueOf(MESSAGE_BYTES), "-z", "5", "-e", "127.0.0.1", "-r",
                String.valueOf(peerPort),
                "-p", String.valueOf(port)));
        cmd.addAll(List.of(extra));
        cmd.add("127.0.0.1");
        try (ExternalProcess p = ExternalProcess.start(cmd)) {
            p.waitFor(90, TimeUnit.SECONDS);
            return p.output();
        }
    }

    /** Asserts uclient sent and got back every message with 0 % loss. */
    private static void assertNoLoss(String output) {
        assertNoLoss(output, CLIENTS * MESSAGES);
    }

    /** Asserts uclient sent {@code messages} and got back every one with 0 % loss. */
    private static void assertNoLoss(String output, int messages) {
        Matcher loss = LOSS.matcher(output);
        assertTrue(loss.find(), "uclient printed no loss summary:\n" + output);
        assertEquals("0", loss.group(1), "lost packets:\n" + output);
        int[] totals = lastTotals(output);
        assertEquals(messages, totals[0], "messages sent");
        assertEquals(totals[0], totals[1], "every message came back through the relay");
    }

    /** uclient's last totals line: messages sent and received. */
    private static int[] lastTotals(String output) {
        Matcher totals = TOTALS.matcher(output);
        int[] last = null;
        while (totals.find()) {
            last = new int[] {Integer.parseInt(totals.group(1)), Integer.parseInt(totals.group(2))};
        }
        assertNotNull(last, "uclient printed no totals:\n" + output);
        return last;
    }

    private double relayed(String direction) {
        return registry.find("icemesh.turn.relay.packets").tag("direction", direction).functionCounter().count();
    }

    @Test
    void channelDataOverUdpWithStaticCredentialsLosesNothing() throws Exception {
        double before = relayed("to_peer");
        assertNoLoss(runUclient(server.udpPort(), "-u", "alice", "-w", "alice-password"));
        assertTrue(relayed("to_peer") - before >= CLIENTS * MESSAGES, "the server counted the relayed packets");
    }

    @Test
    void sendIndicationsOverUdpWithRestCredentialsLoseNothing() throws Exception {
        assertNoLoss(runUclient(server.udpPort(), "-s", "-W", "test-only-secret", "-u", "uclient-session"));
        ConsumerRecord<String, String> created = KafkaTestClient.find(KafkaBrokerResource.broker().bootstrapServers(),
                Topics.TURN_EVENTS, new StringDeserializer(),
                r -> r.value().contains("\"ALLOCATION_CREATED\"") && r.value().contains("\"sessionId\":\"uclient-session\""),
                Duration.ofSeconds(20));
        assertNotNull(created, "an ALLOCATION_CREATED event with the session id reached Kafka");
        assertTrue(created.value().matches(".*\"username\":\"\\d+:uclient-session\".*"), created.value());
        assertEquals("io.icemesh.turn.allocation_created.v1", KafkaTestClient.header(created, "ce_type"));
        assertEquals("uclient-session", created.key(), "keyed by the session id, like the session's own events");
    }

    @Test
    void channelDataOverTcpLosesNothing() throws Exception {
        assertNoLoss(runUclient(server.tcpPort(), "-t", "-u", "alice", "-w", "alice-password"));
    }

    @Test
    void sendIndicationsOverTlsLoseNothing() throws Exception {
        assertNoLoss(runUclient(server.tlsPort(), "-t", "-S", "-s", "-u", "alice", "-w", "alice-password"));
    }

    @Test
    void tcpRelayBetweenTwoClientsCarriesEveryByte() throws Exception {
        // -T: RFC 6062 TCP allocations, client to client: the first client's Connect reaches the second client's
        // relayed address, which announces it with ConnectionAttempt; both bind data connections with ConnectionBind
        double bound = registry.find("icemesh.turn.tcp.connections").tag("outcome", "bound").counter().count();
        assertTcpRelayCarriedEverything(() -> runUclient(server.tcpPort(), "-T", "-u", "alice", "-w", "alice-password"));
        assertTrue(registry.find("icemesh.turn.tcp.connections").tag("outcome", "bound").counter().count() - bound
                >= C2C_CLIENTS, "each pair bound a connected and an accepted peer connection");
    }

    @Test
    void tcpRelayWithRestCredentialsCarriesEveryByte() throws Exception {
        assertTcpRelayCarriedEverything(
                () -> runUclient(server.tcpPort(), "-T", "-W", "test-only-secret", "-u", "uclient-tcp-relay"));
    }

    @Test
    void tcpRelayOverTlsCarriesEveryByte() throws Exception {
        assertTcpRelayCarriedEverything(() -> runUclient(server.tlsPort(), "-T", "-S", "-u", "alice", "-w",
                "alice-password"));
    }

    /**
     * Runs a uclient TCP relay session and checks it against the server's byte counters. uclient counts the
     * messages of a TCP data connection per read (a read of n bytes counts n / 200 messages), so a read that straddles
     * message boundaries (the ConnectionBind answer and the first data together, say) makes it report a message or two
     * lost that arrived: its own count may fall short by 1 %. The server's counters are exact: every byte each client
     * sent went to the peer connection and out to the other client.
     */
    private void assertTcpRelayCarriedEverything(Uclient run) throws Exception {
        double toPeer = relayedBytes("to_peer");
        double toClient = relayedBytes("to_client");
        String output = run.output();
        int[] totals = lastTotals(output);
        assertEquals(C2C_MESSAGES, totals[0], "messages sent:\n" + output);
        assertTrue(totals[1] >= C2C_MESSAGES * 99 / 100, "messages received by uclient's count:\n"
                + output);
        long bytes = (long) C2C_MESSAGES * MESSAGE_BYTES;
        assertEquals(bytes, relayedBytes("to_peer") - toPeer, 0.0, "bytes the clients sent, relayed to peer connections");
        assertEquals(bytes, relayedBytes("to_client") - toClient, 0.0, "bytes the peer connections relayed to clients");
    }

    /** A uclient run. */
    @FunctionalInterface
    private interface Uclient {
        String output() throws Exception;
    }

    private double relayedBytes(String direction) {
        return registry.find("icemesh.turn.relay.bytes").tag("direction", direction).functionCounter().count();
    }

    @Test
    void stunclientGetsItsOwnMappedAddress() throws Exception {
        stunclientGetsItsMappedAddressOn(server.udpPort());
    }

    @Test
    void theAlternatePortAnswersStunToo() throws Exception {
        assertTrue(server.alternateUdpPort() > 0 && server.alternateUdpPort() != server.udpPort(),
                "the test profile binds an alternate UDP port");
        stunclientGetsItsMappedAddressOn(server.alternateUdpPort());
    }

    private void stunclientGetsItsMappedAddressOn(int serverPort) throws Exception {
        String binary = ExternalProcess.binary("turnutils_stunclient", "coturn").toString();
        try (ExternalProcess p = ExternalProcess.start(List.of(binary, "-L", "127.0.0.2", "-p",
                String.valueOf(serverPort), "127.0.0.1"))) {
            p.waitFor(30, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("UDP reflexive addr: ([0-9.]+):(\\d+)").matcher(p.output());
            assertTrue(m.find(), "no mapped address in:\n" + p.output());
            assertEquals("127.0.0.2", m.group(1), "the mapped address is the client's source address");
            int port = Integer.parseInt(m.group(2));
            assertTrue(port > 0 && port < 65536);
            assertTrue(port != serverPort);
        }
    }

    @Test
    void nodeAnnouncementIsPublished() {
        ConsumerRecord<String, String> node = KafkaTestClient.find(KafkaBrokerResource.broker().bootstrapServers(),
                Topics.NODES, new StringDeserializer(),
                r -> "turn-test".equals(r.key()) && r.value().contains("\"kind\":\"TURN\""), Duration.ofSeconds(20));
        assertNotNull(node, "a TURN node announcement keyed by node id");
        assertTrue(node.value().contains("turn:127.0.0.1:" + server.udpPort() + "?transport=udp"), node.value());
        assertTrue(node.value().contains("\"stun:127.0.0.1:" + server.udpPort() + "\",\"stun:127.0.0.1:"
                + server.alternateUdpPort() + "\""), "the alternate port is the second stun: URL: " + node.value());
        assertTrue(node.value().contains("turns:127.0.0.1:" + server.tlsPort() + "?transport=tcp"), node.value());
        assertEquals("io.icemesh.node.turn.v1", KafkaTestClient.header(node, "ce_type"));
    }
}
