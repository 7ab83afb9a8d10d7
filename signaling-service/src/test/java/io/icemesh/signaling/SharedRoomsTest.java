package io.icemesh.signaling;

import static io.icemesh.signaling.TestTokens.joinMessage;
import static io.icemesh.signaling.TestTokens.uniqueRoom;
import static io.icemesh.signaling.TestTokens.withEarlyRelay;
import static io.icemesh.signaling.TestTokens.withOffer;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.room.Delivery;
import io.icemesh.signaling.room.Member;
import io.icemesh.signaling.room.Outcome;
import io.icemesh.signaling.room.RoomCommand;
import io.icemesh.signaling.room.RoomLog;
import io.icemesh.signaling.room.RoomStateMachine;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two signaling instances on one room log, over the real broker: the application under test, with its WebSocket,
 * and a second instance in the same JVM ({@link RoomLog#standalone}) that reads and writes the same log as a second
 * process would, and holds the "sockets" of its own peers (what it delivers to them is collected here).
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SharedRoomsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/ws")
    URI ws;

    @Inject
    SignalingConfig config;

    @Inject
    RoomLog app;

    private RoomLog other;
    /** What the second instance delivered to its sockets, by connection id. */
    private final Map<String, BlockingQueue<JsonNode>> delivered = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeEach
    void startSecondInstance() {
        other = RoomLog.standalone(config, KafkaBrokerResource.broker().bootstrapServers());
        other.listen(new RoomLog.Listener() {
            @Override
            public void applied(RoomCommand command, RoomStateMachine.Applied applied,
                    Consumer<RoomStateMachine.Applied> handler) {
                for (Delivery d : applied.deliveries()) {
                    if (other.instanceId().equals(d.instance())) {
                        inbox(d.connection()).add(read(d.text()));
                    }
                }
                if (handler != null) {
                    handler.accept(applied);
                }
            }

            @Override
            public boolean holdsSocket(String connection) {
                return delivered.containsKey(connection);
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(other::ready);
    }

    @AfterEach
    void stopSecondInstance() {
        other.stop();
    }

    @Test
    void peersOnTwoInstancesSeeEachOtherAndRelayBothWaysInOrderWithGaplessSeq() throws Exception {
        String room = uniqueRoom("shared");
        try (WsClient a = WsClient.connect(ws)) {
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            Outcome.Joined b = (Outcome.Joined) joinOnOther(room, "conn-b").outcome();
            assertEquals(List.of(aId), b.others().stream().map(Member::peerId).toList(), "b sees a in joined");
            JsonNode peerJoined = a.next("peer-joined");
            assertEquals(b.self().peerId(), peerJoined.get("peerId").asText());
            assertEquals(1, peerJoined.get("seq").asLong());

            for (int i = 0; i < 5; i++) {
                a.send("{\"type\":\"candidate\",\"to\":\"" + b.self().peerId() + "\",\"candidate\":{\"candidate\":\"c"
                        + i + "\"}}");
            }
            for (int i = 0; i < 5; i++) {
                JsonNode c = next(inbox("conn-b"));
                assertEquals("c" + i, c.get("candidate").get("candidate").asText(), "in order");
                assertEquals(aId, c.get("from").asText());
                assertEquals(i + 1, c.get("seq").asLong(), "gapless seq for b");
            }
            other.submit(new RoomCommand.Relay(room, other.instanceId(), "conn-b", b.self().sessionId(), aId,
                    "answer", JsonNodeFactory.instance.objectNode().put("type", "answer").put("sdp", "from-b")));
            JsonNode answer = a.next("answer");
            assertEquals("from-b", answer.get("sdp").asText());
            assertEquals(b.self().peerId(), answer.get("from").asText());
            assertEquals(2, answer.get("seq").asLong());

            other.submit(new RoomCommand.Leave(room, other.instanceId(), null, b.self().sessionId(), 1));
            JsonNode left = a.next("peer-left");
            assertEquals("left", left.get("reason").asText());
            assertEquals(3, left.get("seq").asLong());
        }
    }

    @Test
    void aRecordThatBreaksTheStateMachineIsSkippedOnEveryInstanceAndBothKeepReading() throws Exception {
        String room = uniqueRoom("poison");
        try (WsClient a = WsClient.connect(ws)) {
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            Outcome.Joined b = (Outcome.Joined) joinOnOther(room, "conn-p").outcome();
            a.next("peer-joined");
            // Parseable, but an instance-gone without its instance: applying it throws on every instance.
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                    KafkaBrokerResource.broker().bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>(config.roomLog().topic(), room,
                        "{\"op\":\"instance-gone\",\"room\":\"" + room + "\",\"origin\":\"x\",\"atMs\":1}"))
                        .get(10, TimeUnit.SECONDS);
            }
            a.send("{\"type\":\"offer\",\"to\":\"" + b.self().peerId() + "\",\"sdp\":\"after\"}");
            JsonNode offer = next(inbox("conn-p"));
            assertEquals("after", offer.get("sdp").asText(), "the second instance still reads the log");
            other.submit(new RoomCommand.Relay(room, other.instanceId(), "conn-p", b.self().sessionId(), aId,
                    "answer", JsonNodeFactory.instance.objectNode().put("type", "answer").put("sdp", "back")));
            assertEquals("back", a.next("answer").get("sdp").asText(), "the application still reads the log");
            assertTrue(app.readerAlive() && other.readerAlive());
            given().get("/q/health/live").then().statusCode(200)
                    .body("checks.find { it.name == 'signaling-room-log-reader' }.status", equalTo("UP"));
        }
    }

    @Test
    void twoJoinsRacingOnTwoInstancesForTheLastPlaceExactlyOneWins() throws Exception {
        String room = uniqueRoom("race");
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < config.rooms().maxPeers() - 1; i++) {
                WsClient c = WsClient.connect(ws);
                clients.add(c);
                c.send(joinMessage(room)).next("joined");
            }
            WsClient last = WsClient.connect(ws);
            clients.add(last);
            last.next("hello");
            CompletableFuture<RoomStateMachine.Applied> onOther = joinOnOtherAsync(room, "conn-race");
            last.send(joinMessage(room));
            JsonNode wsReply = last.nextAny(10);
            Outcome otherOutcome = onOther.get(10, TimeUnit.SECONDS).outcome();
            boolean wsWon = "joined".equals(wsReply.path("type").asText());
            boolean otherWon = otherOutcome instanceof Outcome.Joined;
            assertTrue(wsWon != otherWon, "exactly one wins: ws " + wsReply + ", other " + otherOutcome);
            if (wsWon) {
                assertEquals("room-full", ((Outcome.Refused) otherOutcome).code());
            } else {
                assertEquals("room-full", wsReply.get("code").asText(), wsReply.toString());
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(
                    app.state().members(room), other.state().members(room), "both instances hold the same room"));
            assertEquals(config.rooms().maxPeers(), app.state().members(room).size());
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /**
     * docs/signaling-protocol.md, "Offer with the join": an offer sent ahead of a join that the log then refuses is
     * withdrawn from the peer that got it. The same session joins on the second instance and, at once, here with an
     * offer for the first peer: the log takes the first join it gets and refuses the other (session-in-use). When
     * this instance's replica had not seen the second instance's join yet, the offer went ahead and must be
     * withdrawn; the race is run until that happens (it usually does in the first round).
     */
    @Test
    void anOfferSentAheadOfAJoinTheLogRefusesIsWithdrawnFromThePeerThatGotIt() throws Exception {
        int withdrawn = 0;
        for (int round = 0; round < 20 && withdrawn == 0; round++) {
            String room = uniqueRoom("ahead");
            try (WsClient a = WsClient.connect(ws); WsClient c = WsClient.connect(ws)) {
                a.send(withEarlyRelay(joinMessage(room))).next("joined");
                c.next("hello");
                String session = UUID.randomUUID().toString();
                CompletableFuture<RoomStateMachine.Applied> onOther = joinOnOtherAsync(room, "conn-ahead-" + round,
                        session);
                c.send(withEarlyRelay(withOffer(joinMessage(room, session), "v=0 ahead")));
                JsonNode reply = c.nextOf(10, "joined", "error");
                Outcome otherOutcome = onOther.get(10, TimeUnit.SECONDS).outcome();
                String newcomer;
                String offerFrom = null;
                if ("joined".equals(reply.get("type").asText())) {
                    // This instance's join won: the other one is refused, and the offer is the newcomer's as usual.
                    assertEquals("session-in-use", assertInstanceOf(Outcome.Refused.class, otherOutcome).code());
                    newcomer = reply.get("peerId").asText();
                } else {
                    assertEquals("session-in-use", reply.get("code").asText(), reply.toString());
                    newcomer = assertInstanceOf(Outcome.Joined.class, otherOutcome).self().peerId();
                }
                // What the first peer hears: the newcomer's peer-joined, maybe an offer ahead from this instance's
                // joiner, and, only if that joiner was refused, peer-left "refused" for it (without seq).
                boolean joinedSeen = false;
                boolean withdrawalSeen = false;
                while (!joinedSeen || (offerFrom != null && !offerFrom.equals(newcomer) && !withdrawalSeen)) {
                    JsonNode m = a.nextAny(10);
                    switch (m.get("type").asText()) {
                        case "offer" -> {
                            if (offerFrom == null) {
                                offerFrom = m.get("from").asText();
                            }
                            assertEquals("v=0 ahead", m.get("sdp").asText());
                        }
                        case "peer-joined" -> {
                            assertEquals(newcomer, m.get("peerId").asText(), m.toString());
                            joinedSeen = true;
                        }
                        case "peer-left" -> {
                            assertEquals("refused", m.get("reason").asText(), m.toString());
                            assertEquals(offerFrom, m.get("peerId").asText(), "withdrawn: the offer's sender " + m);
                            assertFalse(m.has("seq"), m.toString());
                            assertFalse(offerFrom.equals(newcomer), "an admitted newcomer is not withdrawn: " + m);
                            withdrawalSeen = true;
                        }
                        default -> throw new AssertionError("unexpected " + m);
                    }
                }
                if (withdrawalSeen) {
                    withdrawn++;
                }
            }
        }
        assertTrue(withdrawn > 0, "in 20 rounds, this instance never sent an offer ahead of a join the log refused");
    }

    @Test
    void anInstanceKilledMidCallLosesNoPeerItsClientResumesOnTheOtherAndGetsWhatWasSentMeanwhile() throws Exception {
        String room = uniqueRoom("kill");
        try (WsClient a = WsClient.connect(ws)) {
            String aId = a.send(joinMessage(room)).next("joined").get("peerId").asText();
            Outcome.Joined b = (Outcome.Joined) joinOnOther(room, "conn-k").outcome();
            a.next("peer-joined");
            a.send("{\"type\":\"offer\",\"to\":\"" + b.self().peerId() + "\",\"sdp\":\"seen\"}");
            assertEquals(1, next(inbox("conn-k")).get("seq").asLong());

            other.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> app.state().member(b.self().sessionId())
                    .map(m -> !m.attached()).orElse(false));
            a.send("{\"type\":\"offer\",\"to\":\"" + b.self().peerId() + "\",\"sdp\":\"while-away\"}");

            try (WsClient b2 = WsClient.connect(ws)) {
                b2.next("hello");
                JsonNode resumed = b2.send("{\"type\":\"resume\",\"resumeToken\":\"" + b.self().resumeToken()
                        + "\",\"lastSeq\":1}").next("resumed");
                assertEquals(b.self().peerId(), resumed.get("peerId").asText());
                assertEquals(aId, resumed.get("peers").get(0).get("peerId").asText());
                JsonNode replayed = b2.next("offer");
                assertEquals("while-away", replayed.get("sdp").asText());
                assertEquals(2, replayed.get("seq").asLong());
                b2.send("{\"type\":\"answer\",\"to\":\"" + aId + "\",\"sdp\":\"back\"}");
                JsonNode answer = a.next("answer");
                assertEquals("back", answer.get("sdp").asText());
                // a never heard that b left: the next message a got after peer-joined is b's answer, seq 2.
                assertEquals(2, answer.get("seq").asLong(), "no peer-left in between");
                assertTrue(app.state().member(b.self().sessionId()).orElseThrow().attached());
            }
        }
    }

    @Test
    void aNewInstanceStartsFromTheSnapshotsAndHoldsTheSameRooms() throws Exception {
        String room = uniqueRoom("snap");
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            a.send(joinMessage(room)).next("joined");
            String bId = b.send(joinMessage(room)).next("joined").get("peerId").asText();
            a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"v=0\"}");
            b.next("offer");
            // A pass may have caught the room between the two joins; a later one holds both.
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                JsonNode snapshot = snapshotOf(room);
                return snapshot != null && snapshot.get("room").get("peers").size() == 2;
            });

            RoomLog third = RoomLog.standalone(config, KafkaBrokerResource.broker().bootstrapServers());
            try {
                await().atMost(Duration.ofSeconds(20)).until(third::ready);
                assertEquals(app.state().snapshot(room), third.state().snapshot(room),
                        "the whole room (members, seq, replay buffers) is the same on both");
            } finally {
                third.stop();
            }
        }
    }

    @Test
    void aStaleRoomSnapshotWrittenAfterTheCheckpointIsMadeUpFromTheLog() throws Exception {
        String room = uniqueRoom("stale");
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            a.send(joinMessage(room)).next("joined");
            await().atMost(Duration.ofSeconds(15)).until(() -> snapshotOf(room) != null);
            JsonNode stale = snapshotOf(room);
            assertEquals(1, stale.get("room").get("peers").size(), stale.toString());
            String bId = b.send(joinMessage(room)).next("joined").get("peerId").asText();
            a.send("{\"type\":\"offer\",\"to\":\"" + bId + "\",\"sdp\":\"v=0\"}");
            b.next("offer");
            int partition = stale.get("partition").asInt();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                JsonNode fresh = snapshotOf(room);
                JsonNode checkpoint = latest("checkpoint:" + partition);
                return fresh != null && fresh.get("room").get("peers").size() == 2 && checkpoint != null
                        && checkpoint.get("offset").asLong() >= fresh.get("offset").asLong();
            });
            // A writer that was behind (two writers for a while after an outage) lands its older snapshot last.
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                    KafkaBrokerResource.broker().bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>(config.roomLog().snapshotsTopic(), 0, "room:" + room, stale.toString()))
                        .get(10, TimeUnit.SECONDS);
            }

            RoomLog third = RoomLog.standalone(config, KafkaBrokerResource.broker().bootstrapServers());
            try {
                await().atMost(Duration.ofSeconds(20)).until(third::ready);
                assertEquals(app.state().snapshot(room), third.state().snapshot(room),
                        "the records after the stale snapshot were read again");
            } finally {
                third.stop();
            }
        }
    }

    /** The latest snapshot record of a room on the compacted topic, or null. */
    private JsonNode snapshotOf(String room) {
        return latest("room:" + room);
    }

    /** The latest record by that key on the snapshots topic, or null. */
    private JsonNode latest(String key) {
        TopicPartition tp = new TopicPartition(config.roomLog().snapshotsTopic(), 0);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                KafkaBrokerResource.broker().bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            JsonNode latest = null;
            while (c.position(tp) < end) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        latest = r.value() == null ? null : read(r.value());
                    }
                }
            }
            return latest;
        }
    }

    private RoomStateMachine.Applied joinOnOther(String room, String connection) throws Exception {
        return joinOnOtherAsync(room, connection).get(10, TimeUnit.SECONDS);
    }

    private CompletableFuture<RoomStateMachine.Applied> joinOnOtherAsync(String room, String connection) {
        return joinOnOtherAsync(room, connection, UUID.randomUUID().toString());
    }

    private CompletableFuture<RoomStateMachine.Applied> joinOnOtherAsync(String room, String connection,
            String session) {
        inbox(connection);
        String request = UUID.randomUUID().toString();
        CompletableFuture<RoomStateMachine.Applied> result = new CompletableFuture<>();
        other.request(request, new RoomCommand.Join(room, other.instanceId(), request, connection, session,
                session.substring(0, 8), "b", RoomMode.P2P, "token-" + session, null, null,
                System.currentTimeMillis()), result::complete,
                () -> result.completeExceptionally(new AssertionError("the second instance's join timed out")));
        return result;
    }

    private BlockingQueue<JsonNode> inbox(String connection) {
        return delivered.computeIfAbsent(connection, c -> new LinkedBlockingQueue<>());
    }

    private static JsonNode next(BlockingQueue<JsonNode> inbox) throws InterruptedException {
        JsonNode msg = inbox.poll(10, TimeUnit.SECONDS);
        assertFalse(msg == null, "the second instance delivered nothing within 10 s");
        return msg;
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
