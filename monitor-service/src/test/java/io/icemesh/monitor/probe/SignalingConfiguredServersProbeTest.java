package io.icemesh.monitor.probe;

import static io.restassured.RestAssured.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.EventProducer;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Servers signaling is configured with reach monitor's probes through signaling's announcement on icemesh.nodes
 * (kind SIGNALING), though monitor's own probe list does not name them: a STUN server this test runs on loopback
 * is healthy, a silent loopback port is unhealthy, and a server the next announcement no longer lists is no longer
 * probed.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class SignalingConfiguredServersProbeTest {

    private static final Duration VERDICT = Duration.ofSeconds(30);

    @Test
    void probesTheServersSignalingAnnouncesAndStopsWhenTheyLeaveItsList() throws Exception {
        String nodeId = "signaling-ice-config-" + UUID.randomUUID();
        try (DatagramSocket answering = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                EventProducer kafka = new EventProducer();
                HealthEvents health = new HealthEvents()) {
            Thread responder = new Thread(() -> answerBindings(answering), "test-stun-responder");
            responder.setDaemon(true);
            responder.start();
            String answeringUrl = "stun:127.0.0.1:" + answering.getLocalPort();
            String silentUrl = "stun:127.0.0.1:" + silent.getLocalPort();
            List<String> ownList = ConfigProvider.getConfig()
                    .getOptionalValues(MonitorTestEnvironment.PROBE_SERVERS, String.class).orElse(List.of());
            assertFalse(ownList.contains(answeringUrl) || ownList.contains(silentUrl),
                    "monitor's own probe list must not name the servers under test: " + ownList);

            kafka.send(Topics.NODES, nodeId, signalingAnnouncement(nodeId, List.of(answeringUrl, silentUrl)));
            await("verdicts for the servers signaling announced").atMost(VERDICT).untilAsserted(() -> {
                ServerHealth up = health.latest(answeringUrl);
                ServerHealth down = health.latest(silentUrl);
                assertTrue(up != null && up.healthy(), "a healthy ServerHealth for " + answeringUrl + ", was " + up);
                assertTrue(down != null && !down.healthy(), "an unhealthy ServerHealth for " + silentUrl + ", was "
                        + down);
            });

            kafka.send(Topics.NODES, nodeId, signalingAnnouncement(nodeId, List.of(answeringUrl)));
            await("the silent server leaves the probe set").atMost(VERDICT).untilAsserted(() -> {
                List<String> probed = get("/api/servers").then().statusCode(200).extract().jsonPath()
                        .getList("url", String.class);
                assertFalse(probed.contains(silentUrl), silentUrl + " is no longer announced but probed: " + probed);
                assertTrue(probed.contains(answeringUrl), answeringUrl + " is still announced: " + probed);
            });
            kafka.send(Topics.NODES, nodeId, null);
        }
    }

    private static NodeAnnouncement signalingAnnouncement(String nodeId, List<String> urls) {
        return new NodeAnnouncement(EventSchema.VERSION, nodeId, NodeKind.SIGNALING, null, urls, 0, 0, false,
                System.currentTimeMillis());
    }

    /** A minimal STUN server: every Binding request gets a Binding success with its transaction id. */
    private static void answerBindings(DatagramSocket socket) {
        byte[] buffer = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(in);
                StunMessage request = StunMessageDecoder.decode(Arrays.copyOf(in.getData(), in.getLength()));
                if (request == null || request.type() != StunMessageType.BINDING_REQUEST) {
                    continue;
                }
                byte[] answer = StunMessageBuilder.of(StunMessageType.BINDING_SUCCESS, request.transactionId())
                        .build();
                socket.send(new DatagramPacket(answer, answer.length, in.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }
}
