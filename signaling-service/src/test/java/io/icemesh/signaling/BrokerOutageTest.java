package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.room.Member;
import io.icemesh.signaling.room.Outcome;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.signaling.room.RoomStateMachine;
import jakarta.inject.Inject;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The broker goes away and comes back (stopped and restarted on the same ports and data, as a broker pod restarts):
 * readiness turns DOWN within seconds instead of hanging, a join that needs the room log is refused at once with
 * {@code unavailable}, and so is a relay (not queued without bound); once the broker is back relays arrive in order
 * with no seq gap.
 */
@QuarkusTest
@WithTestResource(BrokerOutageTest.OwnBroker.class)
class BrokerOutageTest {

    /** A broker of this test class alone, which the test stops and starts again. */
    public static class OwnBroker implements QuarkusTestResourceLifecycleManager {
        static Path dir;
        static int port;
        static int controllerPort;
        static KafkaBroker broker;

        @Override
        public Map<String, String> start() {
            try {
                dir = Files.createTempDirectory("icemesh-outage-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            port = KafkaBroker.freePort();
            controllerPort = KafkaBroker.freePortOtherThan(port);
            broker = KafkaBroker.persistent(dir, port, controllerPort).start();
            return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
        }

        static void restart() {
            broker = KafkaBroker.persistent(dir, port, controllerPort).start();
        }

        @Override
        public void stop() {
            broker.close();
        }
    }

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    SignalingConfig config;

    @Inject
    RoomLog app;

    @Inject
    io.icemesh.signaling.events.SessionEventPublisher events;

    @Test
    void sessionEventsPublishedAroundAnOutageAllArriveOnceItEndsInTheOrderPublished() throws Exception {
        String session = "outage-events-" + UUID.randomUUID();
        int before = 20;
        int during = 200;
        for (int i = 0; i < before; i++) {
            events.publish(io.icemesh.events.v1.SessionEvent.builder(
                    io.icemesh.events.v1.SessionEventType.OFFER_RELAYED, session,
                    io.icemesh.events.v1.EventSource.SIGNALING).elapsedMs((long) i).build());
        }
        // The broker goes away while events are still in flight, and more are published while it is away.
        OwnBroker.broker.close();
        for (int i = before; i < before + during; i++) {
            events.publish(io.icemesh.events.v1.SessionEvent.builder(
                    io.icemesh.events.v1.SessionEventType.OFFER_RELAYED, session,
                    io.icemesh.events.v1.EventSource.SIGNALING).elapsedMs((long) i).build());
            if (i == before + during / 2) {
                // Long enough for a producer whose metadata requests time out to fail sends, were it to.
                await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
            }
        }
        OwnBroker.restart();
        java.util.List<Long> seen = new java.util.ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", OwnBroker.broker.bootstrapServers(),
                "auto.offset.reset", "earliest", "group.id", "outage-events-" + UUID.randomUUID());
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
                        new org.apache.kafka.common.serialization.StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(java.util.List.of("icemesh.session-events"));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (session.equals(r.key())) {
                        seen.add(io.icemesh.events.v1.EventJson.MAPPER.readTree(r.value()).path("elapsedMs")
                                .asLong());
                    }
                }
                return seen.size() >= before + during;
            });
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> {
                if (session.equals(r.key())) {
                    seen.add(-1L);
                }
            });
        }
        java.util.List<Long> expected = java.util.stream.LongStream.range(0, before + during).boxed().toList();
        assertEquals(expected, seen, "every event once, in the order published");
    }

    @Test
    void anOutageLongerThanTheInstanceTimeoutDetachesNobodyOnTheOtherInstance() throws Exception {
        String room = uniqueRoom("long-outage");
        RoomLog other = RoomLog.standalone(config, OwnBroker.broker.bootstrapServers());
        BlockingQueue<JsonNode> toB = new LinkedBlockingQueue<>();
        other.listen(new RoomLog.Listener() {
            @Override
            public void applied(RoomCommand command, RoomStateMachine.Applied applied,
                    Consumer<RoomStateMachine.Applied> handler) {
                applied.deliveries().stream().filter(d -> other.instanceId().equals(d.instance()))
                        .forEach(d -> toB.add(readJson(d.text())));
                if (handler != null) {
                    handler.accept(applied);
                }
            }

            @Override
            public boolean holdsSocket(String connection) {
                return "conn-b".equals(connection);
            }
        });
        try (WsClient a = WsClient.connect(ws)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> other.ready() && app.ready());
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            String session = UUID.randomUUID().toString();
            CompletableFuture<RoomStateMachine.Applied> joined = new CompletableFuture<>();
            other.request("req-b", new RoomCommand.Join(room, other.instanceId(), "req-b", "conn-b", session,
                    "peer-b", "b", RoomMode.P2P, "token-" + session, null, null, System.currentTimeMillis()),
                    joined::complete, () -> joined.completeExceptionally(new AssertionError("join timed out")));
            assertInstanceOf(Outcome.Joined.class, joined.get(10, TimeUnit.SECONDS).outcome());
            a.next("peer-joined");

            OwnBroker.broker.close();
            // The outage lasts longer than the instance timeout: every heartbeat either instance holds goes stale.
            await().pollDelay(config.roomLog().instanceTimeout().plusSeconds(1)).atMost(Duration.ofSeconds(20))
                    .until(() -> !app.ready() && !other.ready());
            OwnBroker.restart();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.ready() && other.ready());

            a.send("{\"type\":\"offer\",\"to\":\"peer-b\",\"sdp\":\"after\"}");
            JsonNode offer = toB.poll(30, TimeUnit.SECONDS);
            assertEquals("after", offer == null ? null : offer.path("sdp").asText(), "b still holds its session");
            other.submit(new RoomCommand.Relay(room, other.instanceId(), "conn-b", session, aId, "answer",
                    JsonNodeFactory.instance.objectNode().put("type", "answer").put("sdp", "back")));
            JsonNode next = a.nextAny(30);
            assertEquals("answer", next.path("type").asText(), "no peer-left before b's answer: " + next);
            // Past one more instance timeout of both being ready, b is still attached on both instances.
            await().pollDelay(config.roomLog().instanceTimeout().plusSeconds(1)).atMost(Duration.ofSeconds(20))
                    .until(() -> app.state().member(session).map(Member::attached).orElse(false)
                            && other.state().member(session).map(Member::attached).orElse(false));
        } finally {
            other.stop();
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void aBrokerOutageTurnsReadinessDownRefusesJoinsAtOnceAndDelaysRelaysWithoutLosingOrReorderingThem()
            throws Exception {
        String room = uniqueRoom("outage");
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            a.send(joinMessage(room)).next("joined");
            String bId = b.send(joinMessage(room)).next("joined").get("peerId").asText();
            a.next("peer-joined");
            a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"before\"}");
            long seq = b.next("offer").get("seq").asLong();

            OwnBroker.broker.close();
            // The check may turn DOWN sooner for media-replies (its partitions revoked); the room log's own state is
            // what refuses joins at once (before that, a join is written and, landing after the outage, undone).
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                            .body("checks.find { it.name == 'signaling-room-log' }.status", equalTo("DOWN"))
                            .body("checks.find { it.name == 'signaling-room-log' }.data.roomLog", equalTo(false)));
            try (WsClient c = WsClient.connect(ws)) {
                c.next("hello");
                JsonNode refused = c.send(joinMessage(room)).next("error");
                assertEquals("unavailable", refused.get("code").asText(), refused.toString());
            }
            // A relay that cannot reach the room log is refused, not queued without bound.
            JsonNode relayRefused = a.send("{\"type\":\"candidate\",\"to\":\"" + bId
                    + "\",\"candidate\":{\"candidate\":\"during\"}}").next("error");
            assertEquals("unavailable", relayRefused.get("code").asText(), relayRefused.toString());

            OwnBroker.restart();
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
            for (int i = 0; i < 3; i++) {
                a.send("{\"type\":\"candidate\",\"to\":\"" + bId + "\",\"candidate\":{\"candidate\":\"after-" + i
                        + "\"}}");
            }
            for (int i = 0; i < 3; i++) {
                JsonNode c = b.next("candidate", 30);
                assertEquals("after-" + i, c.get("candidate").get("candidate").asText(), "in the order sent");
                assertEquals(seq + 1 + i, c.get("seq").asLong(), "no gap, no duplicate");
            }
            try (WsClient c = WsClient.connect(ws)) {
                c.next("hello");
                assertEquals(room, c.send(joinMessage(room)).next("joined").get("room").asText());
            }
        }
    }
}
