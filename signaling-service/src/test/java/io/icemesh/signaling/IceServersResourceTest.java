package io.icemesh.signaling;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class IceServersResourceTest {

    @Test
    void refusesCallersWithoutAValidTokenAndGivesThemNoCredentials() {
        String body = given().get("/api/ice-servers").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer realm=\"icemesh\"").extract().asString();
        assertFalse(body.contains("credential"), body);
        given().header("Authorization", "Bearer not.a.token").get("/api/ice-servers").then().statusCode(401);
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/ice-servers").then().statusCode(401);
    }

    @Test
    void handsOutTurnRestCredentialsThatTheSharedSecretVerifies() throws Exception {
        JsonPath list = iceServers();
        String sessionId = list.getString("sessionId");
        Map<String, Object> turn = list.getList("iceServers", Map.class).stream()
                .filter(s -> ((List<?>) s.get("urls")).get(0).toString().startsWith("turn:")).findFirst().orElseThrow();
        String username = (String) turn.get("username");
        assertTrue(username.endsWith(":" + sessionId), "username is expiry:sessionId, was " + username);
        long expiry = Long.parseLong(username.substring(0, username.indexOf(':')));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(expiry > now + 500 && expiry <= now + 601, "expiry is about ten minutes out: " + expiry);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec("test-only-turn-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        assertEquals(Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8))),
                turn.get("credential"));
        assertEquals(List.of("turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"),
                turn.get("urls"));
        assertEquals(600, list.getInt("ttl"));
    }

    @Test
    void dropsAnUnhealthyServerRanksMeasuredOnesByRttAndAddsAnnouncedNodes() {
        // Configured order holds while nothing is measured: at most two STUN URLs.
        assertEquals(List.of("stun:127.0.0.1:19302", "stun:127.0.0.2:3478"), stunUrls());

        publish(Topics.SERVER_HEALTH, "stun:127.0.0.1:19302", health("stun:127.0.0.1:19302", false, null));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertEquals(List.of("stun:127.0.0.2:3478", "stun:127.0.0.3:3478"), stunUrls(),
                        "an unhealthy server is never handed out"));

        publish(Topics.SERVER_HEALTH, "stun:127.0.0.2:3478", health("stun:127.0.0.2:3478", true, 40.0));
        publish(Topics.SERVER_HEALTH, "stun:127.0.0.3:3478", health("stun:127.0.0.3:3478", true, 2.0));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertEquals(List.of("stun:127.0.0.3:3478", "stun:127.0.0.2:3478"), stunUrls(),
                        "the faster server comes first"));

        publish(Topics.SERVER_HEALTH, "stun:127.0.0.1:19302", health("stun:127.0.0.1:19302", true, 1.0));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertEquals(List.of("stun:127.0.0.1:19302", "stun:127.0.0.3:3478"), stunUrls(),
                        "a server that answers again comes back"));

        NodeAnnouncement node = new NodeAnnouncement(EventSchema.VERSION, "turn-a", NodeKind.TURN, "127.0.0.9",
                List.of("turn:127.0.0.9:3478?transport=udp"), 100, 1, false, System.currentTimeMillis());
        publish(Topics.NODES, "turn-a", node);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertTrue(allUrls().contains("turn:127.0.0.9:3478?transport=udp"), "announced node is listed"));
        publish(Topics.NODES, "turn-a", new NodeAnnouncement(EventSchema.VERSION, "turn-a", NodeKind.TURN,
                "127.0.0.9", node.iceUrls(), 100, 1, true, System.currentTimeMillis()));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertFalse(allUrls().contains("turn:127.0.0.9:3478?transport=udp"), "a draining node is not"));
    }

    private static ServerHealth health(String url, boolean healthy, Double rtt) {
        return new ServerHealth(EventSchema.VERSION, url, healthy, rtt, rtt, healthy ? 0 : 1,
                healthy ? "answers" : "no answer to 3 probes", System.currentTimeMillis());
    }

    private static void publish(String topic, String key, Object value) {
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers()),
                new StringSerializer(), new EventSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonPath iceServers() {
        return given().header("Authorization", "Bearer " + TestTokens.forRoom("ice"))
                .get("/api/ice-servers").then().statusCode(200).header("Cache-Control", "no-store")
                .extract().jsonPath();
    }

    private static List<String> stunUrls() {
        return allUrls().stream().filter(u -> u.startsWith("stun:")).toList();
    }

    private static List<String> allUrls() {
        return iceServers().getList("iceServers.urls.flatten()", String.class);
    }
}
