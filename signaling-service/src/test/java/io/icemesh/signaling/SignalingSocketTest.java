package io.icemesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SignalingSocketTest {

    @TestHTTPResource("/ws")
    URI ws;

    @Test
    void joiningARoomPublishesAPeerJoinedCloudEventKeyedBySession() throws Exception {
        String sessionId;
        try (WsClient client = WsClient.connect(ws)) {
            client.next("hello");
            JsonNode joined = client.send("{\"type\":\"join\",\"room\":\"kafka-check\"}").next("joined");
            sessionId = joined.get("sessionId").asText();
        }
        ConsumerRecord<String, SessionEvent> record = awaitEvent(sessionId, SessionEventType.PEER_JOINED);
        assertEquals(sessionId, record.key(), "events are keyed by session id");
        assertEquals("kafka-check", record.value().roomId());
        assertEquals("io.icemesh.session.peer_joined.v1", header(record, "ce_type"));
        assertEquals("1.0", header(record, "ce_specversion"));
    }

    @Test
    void peersSeeEachOtherAndRelayOffersWithTheSenderFilledIn() throws Exception {
        String room = "relay-" + UUID.randomUUID().toString().substring(0, 6);
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            String aId = a.send("{\"type\":\"join\",\"room\":\"" + room + "\"}").next("joined").get("peerId").asText();
            JsonNode bJoined = b.send("{\"type\":\"join\",\"room\":\"" + room + "\"}").next("joined");
            assertEquals(aId, bJoined.get("peers").get(0).asText(), "the second peer sees the first");
            String bId = bJoined.get("peerId").asText();
            assertEquals(bId, a.next("peer-joined").get("peerId").asText());

            b.send("{\"type\":\"offer\",\"to\":\"" + aId + "\",\"sdp\":\"v=0\"}");
            JsonNode offer = a.next("offer");
            assertEquals(bId, offer.get("from").asText());
            assertEquals("v=0", offer.get("sdp").asText());
            assertFalse(offer.has("to"));

            b.close();
            assertEquals(bId, a.next("peer-left").get("peerId").asText());
        }
    }

    @Test
    void answersBadInputWithAnErrorAndKeepsTheSocketOpen() throws Exception {
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            assertEquals("bad-json", c.send("{nope").next("error").get("code").asText());
            assertEquals("bad-message", c.send("[1,2]").next("error").get("code").asText());
            assertEquals("unknown-type", c.send("{\"type\":\"dance\"}").next("error").get("code").asText());
            assertEquals("bad-room", c.send("{\"type\":\"join\",\"room\":\"a b\"}").next("error").get("code").asText());
            assertEquals("not-joined", c.send("{\"type\":\"offer\",\"to\":\"x\"}").next("error").get("code").asText());
            String big = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}";
            assertEquals("too-large", c.send(big).next("error").get("code").asText());
            assertTrue(c.send("{\"type\":\"ping\"}").next("pong").isObject(), "the socket still answers");
        }
    }

    @Test
    void refusesAJoinPastTheRoomLimit() throws Exception {
        String room = "full-" + UUID.randomUUID().toString().substring(0, 6);
        List<WsClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                WsClient c = WsClient.connect(ws);
                clients.add(c);
                c.send("{\"type\":\"join\",\"room\":\"" + room + "\"}").next("joined");
            }
            WsClient ninth = WsClient.connect(ws);
            clients.add(ninth);
            assertEquals("room-full", ninth.send("{\"type\":\"join\",\"room\":\"" + room + "\"}").next("error")
                    .get("code").asText());
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static ConsumerRecord<String, SessionEvent> awaitEvent(String sessionId, SessionEventType type) {
        try (KafkaConsumer<String, SessionEvent> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new EventDeserializer.SessionEvents())) {
            consumer.subscribe(List.of(Topics.SESSION_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, SessionEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && sessionId.equals(r.value().sessionId()) && r.value().type() == type) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no " + type + " event for session " + sessionId + " on " + Topics.SESSION_EVENTS);
    }
}
