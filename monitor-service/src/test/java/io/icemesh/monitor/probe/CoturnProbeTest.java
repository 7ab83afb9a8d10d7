package io.icemesh.monitor.probe;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.EventProducer;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.monitor.MetricsScrape;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * A real STUN server we did not write (coturn's turnserver, STUN only, on a free loopback port) is announced on
 * icemesh.nodes; monitor's probes find it healthy, unhealthy within 10 s of its stop, and healthy again within
 * 10 s of its restart. Asserted on the ServerHealth events in the real broker and on the health gauge.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class CoturnProbeTest {

    private static final Duration FLIP = Duration.ofSeconds(10);
    private static final Duration FIRST_VERDICT = Duration.ofSeconds(30);

    @Test
    void announcedCoturnFlipsUnhealthyWhenStoppedAndBackWhenRestarted() throws Exception {
        Path turnserver = ExternalProcess.binary("turnserver", "coturn");
        Path dir = Files.createTempDirectory("coturn-probe");
        int port = freeUdpPort();
        String stunUrl = "stun:127.0.0.1:" + port;
        String turnUrl = "turn:127.0.0.1:" + port + "?transport=udp";
        String tcpUrl = "turn:127.0.0.1:" + port + "?transport=tcp";
        String nodeId = "turn-probe-" + UUID.randomUUID();
        List<String> command = List.of(turnserver.toString(), "--listening-ip=127.0.0.1",
                "--listening-port=" + port, "--stun-only", "--no-tls", "--no-dtls", "--no-cli",
                "--no-software-attribute", "--log-file=stdout", "--simple-log",
                "--pidfile=" + dir.resolve("turnserver.pid"), "--userdb=" + dir.resolve("turndb.sqlite"));
        ExternalProcess coturn = ExternalProcess.start(dir.resolve("turnserver-1.log"), command);
        try (EventProducer kafka = new EventProducer(); HealthEvents health = new HealthEvents()) {
            kafka.send(Topics.NODES, nodeId, new NodeAnnouncement(EventSchema.VERSION, nodeId, NodeKind.TURN,
                    "127.0.0.1", List.of(stunUrl, turnUrl, tcpUrl), 100, 0, false, System.currentTimeMillis()));

            ExternalProcess first = coturn;
            await("healthy verdict for " + stunUrl).atMost(FIRST_VERDICT)
                    .untilAsserted(() -> assertTrue(health.latest(stunUrl) != null && health.latest(stunUrl).healthy(),
                            "a healthy ServerHealth for " + stunUrl + "; coturn log: " + first.output()));
            await().atMost(FLIP).untilAsserted(() -> {
                assertTrue(health.latest(turnUrl) != null && health.latest(turnUrl).healthy(),
                        "the turn: URL is probed with a Binding to the same port and is healthy too");
                assertEquals(1.0, MetricsScrape.now().value("icemesh_monitor_server_healthy", "server", stunUrl));
                ServerHealth tcp = health.latest(tcpUrl);
                assertTrue(tcp != null && tcp.healthy() && tcp.detail().equals("accepts TCP connections"),
                        "a TCP URL is probed with a TCP connect, not a UDP Binding: " + tcp);
            });
            await("the verdict is re-published periodically without a change").atMost(FLIP).untilAsserted(() -> {
                health.latest(stunUrl);
                assertTrue(health.count(stunUrl, true) >= 2, "two healthy events for " + stunUrl);
            });
            ServerHealth up = health.latest(stunUrl);
            assertNotNull(up.rttP50Ms(), "an answered server has a round trip");
            assertTrue(up.rttP50Ms() < 1000, "loopback answers in well under a second: " + up.rttP50Ms());

            coturn.close();
            await("unhealthy within 10 s of the stop").atMost(FLIP).untilAsserted(() -> {
                assertTrue(!health.latest(stunUrl).healthy(), "an unhealthy ServerHealth after the stop");
                assertTrue(!health.latest(tcpUrl).healthy(), "the TCP URL too: " + health.latest(tcpUrl));
                assertEquals(0.0, MetricsScrape.now().value("icemesh_monitor_server_healthy", "server", stunUrl));
            });
            ServerHealth down = health.latest(stunUrl);
            assertTrue(down.detail().contains("no answer"), down.detail());
            assertTrue(down.lossRatio() > 0, "the window has misses");

            coturn = ExternalProcess.start(dir.resolve("turnserver-2.log"), command);
            ExternalProcess second = coturn;
            await("healthy within 10 s of the restart").atMost(FLIP).untilAsserted(() -> {
                assertTrue(health.latest(stunUrl).healthy(), "a healthy ServerHealth again; coturn log: "
                        + second.output());
                assertEquals(1.0, MetricsScrape.now().value("icemesh_monitor_server_healthy", "server", stunUrl));
                ServerHealth tcp = health.latest(tcpUrl);
                assertTrue(tcp != null && tcp.healthy() && tcp.detail().equals("accepts TCP connections"),
                        "a TCP URL is probed with a TCP connect, not a UDP Binding: " + tcp);
            });
            assertTrue(health.ceTypeSeen, "ServerHealth records carry CloudEvents binary-mode headers");
            kafka.send(Topics.NODES, nodeId, null);
            await("a withdrawn node's servers are no longer probed").atMost(FLIP).untilAsserted(() -> assertEquals(0,
                    MetricsScrape.now().value("icemesh_monitor_probe_requests_total", "server", stunUrl)));
        } finally {
            coturn.close();
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
