package io.icemesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.MediaCommand;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.Topics;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.media.RoomMover;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signaling's half of SFU rooms, over the real broker: the test stands where a media-service node stands on Kafka
 * (announces itself, reads commands, answers), so that signaling's placement, command/reply routing, renegotiation
 * relay and timeouts are checked on their own. The SFU itself is tested in media-service.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SfuRoomTest {

    private static final String NODE = "media-test-" + UUID.randomUUID().toString().substring(0, 6);
    /** A second node, announced (draining, so that no room is placed on it) only by the test that moves a room. */
    private static final String NODE2 = NODE + "-2";

    @TestHTTPResource("/ws")
    URI ws;

    @jakarta.inject.Inject
    RoomMover mover;

    private final BlockingQueue<MediaCommand> commands = new LinkedBlockingQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** The nodes the fake node stands for, each announced every second, draining when in {@link #draining}. */
    private final java.util.Set<String> nodes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> draining = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Nodes whose pings the fake answers this many ms late. */
    private final Map<String, Long> slowPongMs = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService later =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    /** Nodes the fake answered a ping for since the set was last cleared. */
    private final java.util.Set<String> ponged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Nodes that leave pings unanswered (their command path hangs) while still announcing themselves. */
    private final java.util.Set<String> deafToPings = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** While set, ALLOCATEs on {@link #NODE} for this room wait in {@link #held} instead of being answered. */
    private volatile String holdAllocationsIn;
    private final BlockingQueue<MediaCommand> held = new LinkedBlockingQueue<>();
    private Thread node;
    private KafkaProducer<String, Object> producer;

    @BeforeEach
    void startMediaNode() throws Exception {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers()),
                new StringSerializer(), new EventSerializer());
        KafkaConsumer<String, MediaCommand> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", KafkaBrokerResource.broker().bootstrapServers(),
                "group.id", "fake-media-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new StringDeserializer(), new EventDeserializer.MediaCommands());
        consumer.subscribe(List.of(Topics.MEDIA_COMMANDS));
        node = new Thread(() -> {
            try (consumer) {
                long announced = System.nanoTime();
                while (running.get()) {
                    if (System.nanoTime() - announced > 1_000_000_000L) {
                        // As a media node does (every 2 s): signaling takes a silent node for gone after 10 s.
                        announced = System.nanoTime();
                        try {
                            for (String n : nodes) {
                                announce(n, draining.contains(n));
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    for (ConsumerRecord<String, MediaCommand> r : consumer.poll(Duration.ofMillis(100))) {
                        MediaCommand c = r.value();
                        if (c == null || !nodes.contains(c.nodeId()) || c.roomId().startsWith("silent-")) {
                            continue;
                        }
                        commands.add(c);
                        if (c.type() == MediaCommandType.PING && deafToPings.contains(c.nodeId())) {
                            continue;
                        }
                        if (c.type() == MediaCommandType.PING) {
                            ponged.add(c.nodeId());
                            Long slow = slowPongMs.get(c.nodeId());
                            if (slow != null) {
                                later.schedule(() -> answer(c), slow, TimeUnit.MILLISECONDS);
                                continue;
                            }
                        }
                        if (c.type() == MediaCommandType.ALLOCATE && c.roomId().equals(holdAllocationsIn)
                                && NODE.equals(c.nodeId())) {
                            held.add(c);
                        } else {
                            answer(c);
                        }
                    }
                }
            }
        }, "fake-media-node");
        nodes.add(NODE);
        node.start();
        announce(NODE, false);
    }

    @AfterEach
    void stopMediaNode() throws Exception {
        running.set(false);
        node.join(5000);
        later.shutdownNow();
        for (String n : nodes) {
            announce(n, true);
        }
        producer.close();
    }

    @Test
    void anSfuJoinAllocatesOnTheMediaNodeAndRelaysBothOffersAndAnswers() throws Exception {
        String room = TestTokens.uniqueRoom("sfu");
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            JsonNode joined = c.send(sfuJoin(room)).next("joined");
            assertEquals("sfu", joined.get("mode").asText());
            String session = joined.get("sessionId").asText();
            MediaCommand allocate = nextCommand(room);
            assertEquals(MediaCommandType.ALLOCATE, allocate.type());
            assertEquals(session, allocate.endpointId());
            assertEquals(room, allocate.roomId());

            c.send("{\"type\":\"offer\",\"to\":\"sfu\",\"sdp\":\"client-offer\"}");
            JsonNode answer = c.next("answer");
            assertEquals("sfu", answer.get("from").asText());
            assertEquals("answer-to:client-offer", answer.get("sdp").asText());
            assertEquals("client-offer", nextCommand(room).sdp());

            // media-service renegotiates on its own (someone published); the client answers "sfu".
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.OFFER, null, NODE, room, session, "sfu-offer",
                    null, System.currentTimeMillis()));
            assertEquals("sfu-offer", c.next("offer").get("sdp").asText());
            c.send("{\"type\":\"answer\",\"to\":\"sfu\",\"sdp\":\"client-answer\"}");
            MediaCommand clientAnswer = nextCommand(room);
            assertEquals(MediaCommandType.ANSWER, clientAnswer.type());
            assertEquals("client-answer", clientAnswer.sdp());

            // An ICE restart is asked of the SFU, which offers new credentials; a refusal reaches the client.
            c.send("{\"type\":\"ice-restart\",\"to\":\"sfu\"}");
            MediaCommand restart = nextCommand(room);
            assertEquals(MediaCommandType.ICE_RESTART, restart.type());
            assertEquals(session, restart.endpointId());
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.ERROR, restart.requestId(), NODE, room, session,
                    null, "no ICE session to restart yet", System.currentTimeMillis()));
            JsonNode refused = c.next("error");
            assertEquals("media-error", refused.get("code").asText());
            assertEquals("no ICE session to restart yet", refused.get("message").asText());

            assertEquals("unknown-peer", c.send("{\"type\":\"offer\",\"to\":\"someone\",\"sdp\":\"x\"}")
                    .next("error").get("code").asText());
            c.send("{\"type\":\"leave\"}").next("left");
            MediaCommand end = nextCommand(room);
            assertEquals(MediaCommandType.END, end.type());
            assertEquals(session, end.endpointId());
        }
    }

    @Test
    void anSfuJoinIsAllocatedWhileTheLogDecidesAndAnAllocationForARefusedJoinIsEndedAgain() throws Exception {
        String room = TestTokens.uniqueRoom("sfu-refused");
        awaitNodeKnown();
        try (WsClient p2p = WsClient.connect(ws); WsClient c = WsClient.connect(ws)) {
            p2p.send(TestTokens.joinMessage(room)).next("joined");
            c.next("hello");
            // The allocation goes out with the join (before the log answers); the log finds a P2P room by that name.
            JsonNode refused = c.send(sfuJoin(room)).next("error");
            assertEquals("wrong-mode", refused.get("code").asText());
            MediaCommand allocate = nextCommand(room);
            assertEquals(MediaCommandType.ALLOCATE, allocate.type());
            MediaCommand end = nextCommand(room);
            assertEquals(MediaCommandType.END, end.type(), "the endpoint of a join the log refused is ended");
            assertEquals(allocate.endpointId(), end.endpointId());
        }
    }

    @Test
    void anSfuJoinThatCarriesAnOfferGetsTheNodesAnswerAfterJoinedWithNoOfferOfItsOwn() throws Exception {
        // The fake node renegotiates in this room as soon as it answered, as media-service does when the room has
        // more publishers than the offer has receive sections.
        String room = TestTokens.uniqueRoom("renegotiates-sfu-offer-join");
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            c.send(sfuJoinWithOffer(room, "join-offer"));
            JsonNode joined = c.nextOf(10, "joined", "answer", "offer");
            assertEquals("joined", joined.get("type").asText(), "nothing from the SFU before joined: " + joined);
            assertEquals("sfu", joined.path("offeredTo").asText(), joined.toString());
            String session = joined.get("sessionId").asText();
            // The answer comes after "joined", as the answer to an offer sent on it would, and before the SFU's offer.
            JsonNode answer = c.nextOf(10, "answer", "offer");
            assertEquals("answer", answer.get("type").asText(), "the answer before the SFU's own offer: " + answer);
            assertEquals("sfu", answer.get("from").asText());
            assertEquals("answer-to:join-offer", answer.get("sdp").asText());
            assertEquals("sfu-offer", c.next("offer").get("sdp").asText());
            MediaCommand allocate = nextCommand(room);
            assertEquals(MediaCommandType.ALLOCATE, allocate.type());
            MediaCommand offer = nextCommand(room);
            assertEquals(MediaCommandType.OFFER, offer.type(), "the offer follows the allocation");
            assertEquals(session, offer.endpointId());
            assertEquals("join-offer", offer.sdp());
            c.send("{\"type\":\"leave\"}").next("left");
            assertEquals(MediaCommandType.END, nextCommand(room).type());
        }
        // A join the log refuses never hands its offer to a node: its allocation is ended, nothing else.
        String p2pRoom = TestTokens.uniqueRoom("sfu-offer-refused");
        try (WsClient p2p = WsClient.connect(ws); WsClient c = WsClient.connect(ws)) {
            p2p.send(TestTokens.joinMessage(p2pRoom)).next("joined");
            c.next("hello");
            c.send(sfuJoinWithOffer(p2pRoom, "join-offer"));
            assertEquals("wrong-mode", c.next("error").get("code").asText());
            assertEquals(MediaCommandType.ALLOCATE, nextCommand(p2pRoom).type());
            assertEquals(MediaCommandType.END, nextCommand(p2pRoom).type());
        }
    }

    @Test
    void anSfuJoinWhoseOfferTheNodeRefusesGetsJoinedThenTheNodesReason() throws Exception {
        String room = TestTokens.uniqueRoom("refuse-offers");
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            c.send(sfuJoinWithOffer(room, "bad-offer"));
            assertEquals("sfu", c.next("joined").path("offeredTo").asText());
            JsonNode refused = c.next("error");
            assertEquals("media-error", refused.get("code").asText());
            assertEquals("offer has no ice-ufrag/ice-pwd", refused.get("message").asText());
        }
    }

    @Test
    void aClientThatAsksForEarlyRelayGetsTheSfusAnswerAndOfferAtOnceThenTheLogsNumberedCopies() throws Exception {
        String room = TestTokens.uniqueRoom("sfu-early");
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            String session = c.send(TestTokens.withEarlyRelay(sfuJoin(room))).next("joined")
                    .get("sessionId").asText();
            assertEquals(MediaCommandType.ALLOCATE, nextCommand(room).type());

            c.send("{\"type\":\"offer\",\"to\":\"sfu\",\"sdp\":\"client-offer\"}");
            JsonNode early = c.next("answer");
            assertFalse(early.has("seq"), "the early copy has no number: " + early);
            assertEquals("answer-to:client-offer", early.get("sdp").asText());
            JsonNode numbered = c.next("answer");
            assertEquals(early.get("rid"), numbered.get("rid"), "the log's copy is the same message");
            assertTrue(numbered.path("seq").asLong() > 0, numbered.toString());
            nextCommand(room);

            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.OFFER, null, NODE, room, session, "sfu-offer",
                    null, System.currentTimeMillis()));
            JsonNode offer = c.next("offer");
            assertFalse(offer.has("seq"), offer.toString());
            assertEquals("sfu-offer", offer.get("sdp").asText());
            assertEquals(offer.get("rid"), c.next("offer").get("rid"));
            c.send("{\"type\":\"leave\"}").next("left");
        }
    }

    @Test
    void aQualityRequestReachesTheRoomsMediaNodeAndABadOneIsRefused() throws Exception {
        String room = TestTokens.uniqueRoom("sfu");
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            String session = c.send(sfuJoin(room)).next("joined").get("sessionId").asText();
            assertEquals(MediaCommandType.ALLOCATE, nextCommand(room).type());

            c.send("{\"type\":\"set-quality\",\"to\":\"sfu\",\"quality\":\"low\",\"trackId\":\"cam-1\"}");
            MediaCommand one = nextCommand(room);
            assertEquals(MediaCommandType.SET_QUALITY, one.type());
            assertEquals(room, one.roomId());
            assertEquals(session, one.endpointId());
            assertEquals(NODE, one.nodeId());
            assertEquals("low", one.quality());
            assertEquals("cam-1", one.trackId());

            c.send("{\"type\":\"set-quality\",\"quality\":\"auto\"}");
            MediaCommand all = nextCommand(room);
            assertEquals(MediaCommandType.SET_QUALITY, all.type());
            assertEquals("auto", all.quality());
            assertNull(all.trackId(), "no trackId: the request is for every track");

            // Fire-and-forget: only a refusal comes back, and it reaches the client as media-error.
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.ERROR, all.requestId(), NODE, room, session,
                    null, "no simulcast track", System.currentTimeMillis()));
            JsonNode refused = c.next("error");
            assertEquals("media-error", refused.get("code").asText());
            assertEquals("no simulcast track", refused.get("message").asText());

            for (String bad : List.of("{\"type\":\"set-quality\",\"quality\":\"ultra\"}",
                    "{\"type\":\"set-quality\"}",
                    "{\"type\":\"set-quality\",\"quality\":2}",
                    "{\"type\":\"set-quality\",\"quality\":\"high\",\"trackId\":\" \"}",
                    "{\"type\":\"set-quality\",\"quality\":\"high\",\"trackId\":\"" + "t".repeat(129) + "\"}")) {
                JsonNode error = c.send(bad).next("error");
                assertEquals("bad-message", error.get("code").asText(), bad + " -> " + error);
                assertTrue(error.get("message").asText().contains("set-quality"), error.toString());
            }
            assertEquals("unknown-peer", c.send("{\"type\":\"set-quality\",\"to\":\"someone\",\"quality\":\"low\"}")
                    .next("error").get("code").asText());

            c.send("{\"type\":\"leave\"}").next("left");
            assertEquals(MediaCommandType.END, nextCommand(room).type(), "refused requests sent no command");
        }
    }

    @Test
    void aStallReportIsTakenSilentlyInAnSfuRoomAndRefusedElsewhere() throws Exception {
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            assertEquals("not-joined", c.send("{\"type\":\"sfu-stalled\",\"to\":\"sfu\"}").next("error")
                    .get("code").asText());
            String room = TestTokens.uniqueRoom("stall");
            c.send(sfuJoin(room)).next("joined");
            assertEquals(MediaCommandType.ALLOCATE, nextCommand(room).type());
            // Nothing comes back for a report, a second one within the second included; the node that answers its
            // pings keeps the room (a move would send sfu-moved before the pong).
            c.send("{\"type\":\"sfu-stalled\",\"to\":\"sfu\"}").send("{\"type\":\"sfu-stalled\"}");
            assertEquals("pong", c.send("{\"type\":\"ping\"}").nextAny(5).get("type").asText());
            assertEquals("unknown-peer", c.send("{\"type\":\"sfu-stalled\",\"to\":\"someone\"}").next("error")
                    .get("code").asText());
        }
        try (WsClient p2p = WsClient.connect(ws)) {
            p2p.next("hello");
            p2p.send(TestTokens.joinMessage(TestTokens.uniqueRoom("stall-p2p"))).next("joined");
            assertEquals("wrong-mode", p2p.send("{\"type\":\"sfu-stalled\"}").next("error").get("code").asText());
        }
    }

    /**
     * A room moves while a join waits for its endpoint on the room's old node (a move takes only admitted sessions
     * along): the joiner gets an endpoint on the room's new node before it hears {@code joined}, the one on the old
     * node ends, and its offer goes to the new node. Seen in MediaFailoverTest: the page joined on the old node, its
     * offer went to the new one, which did not know it ("unknown endpoint"), and it never saw the others.
     */
    @Test
    void aJoinWhoseRoomMovesBeforeItsEndpointIsReadyGetsAnEndpointOnTheRoomsNewNode() throws Exception {
        String room = TestTokens.uniqueRoom("moving");
        awaitNodeKnown();
        announceSecondNodeDraining();
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            a.next("hello");
            b.next("hello");
            joinOnFirstNode(a, room);
            holdAllocationsIn = room;
            // b's join carries its offer, for the endpoint on the old node (docs/signaling-protocol.md).
            b.send(sfuJoinWithOffer(room, "b-join-offer"));
            MediaCommand allocateB = nextCommand(room);
            assertEquals(MediaCommandType.ALLOCATE, allocateB.type());
            assertEquals(NODE, allocateB.nodeId());
            String sessionB = allocateB.endpointId();

            // While b's endpoint is being made, the room's node drains and the second node takes the room.
            draining.remove(NODE2);
            announce(NODE2, false);
            draining.add(NODE);
            announce(NODE, true);
            a.next("sfu-moved");
            holdAllocationsIn = null;
            answer(held.take());

            JsonNode joined = b.next("joined");
            assertEquals(sessionB, joined.get("sessionId").asText());
            assertFalse(joined.has("offeredTo"), "the join's offer was for the old node; b offers again: " + joined);
            List<String> seen = offerAndCommandsBefore(b, room, sessionB);
            assertTrue(seen.contains("END@old"), "b's endpoint on the old node ends: " + seen);
            assertTrue(seen.indexOf("ALLOCATE@new") >= 0 && seen.indexOf("ALLOCATE@new") < seen.indexOf("OFFER@new"),
                    "b's offer goes to the new node, after an endpoint was made for it there: " + seen);
        } finally {
            holdAllocationsIn = null;
            draining.remove(NODE);
            draining.add(NODE2);
            announce(NODE2, true);
            announce(NODE, false);
        }
    }

    /**
     * The room's node stops answering pings (its command path hangs) while a join waits for its endpoint there: the
     * leader moves the room, and when the join's allocation then fails (here the node refuses it; a timeout takes the
     * same path), the join follows the room to its new node instead of failing.
     */
    @Test
    void aJoinWhoseAllocationFailsAfterItsRoomMovedFollowsTheRoomToItsNewNode() throws Exception {
        String room = TestTokens.uniqueRoom("hung");
        awaitNodeKnown();
        announceSecondNodeDraining();
        try (WsClient a = WsClient.connect(ws); WsClient b = WsClient.connect(ws)) {
            a.next("hello");
            b.next("hello");
            joinOnFirstNode(a, room);
            draining.remove(NODE2);
            announce(NODE2, false);
            // The leader judges a node by its pings only once it answered one (and another node answers the same
            // rounds): both must be pinged before the room's node goes silent.
            ponged.clear();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ponged.contains(NODE)
                    && ponged.contains(NODE2));
            // A stall report about this node from another test of this class, still counting, would make the move
            // node-stalled (a client's report and the pings) instead of node-unresponsive (the pings alone).
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !mover.stallReported(NODE));
            deafToPings.add(NODE);
            holdAllocationsIn = room;
            // b's join carries its offer: it follows the join to the new node (docs/signaling-protocol.md).
            b.send(sfuJoinWithOffer(room, "b-join-offer"));
            MediaCommand allocateB = nextCommand(room);
            assertEquals(MediaCommandType.ALLOCATE, allocateB.type());
            assertEquals(NODE, allocateB.nodeId());
            String sessionB = allocateB.endpointId();

            assertEquals("node-unresponsive", a.next("sfu-moved", 20).get("reason").asText());
            holdAllocationsIn = null;
            MediaCommand held = this.held.take();
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.ERROR, held.requestId(), NODE, room,
                    held.endpointId(), null, "node stopping", System.currentTimeMillis()));
            JsonNode joined = b.next("joined", 20);
            assertEquals(sessionB, joined.get("sessionId").asText());
            assertEquals("sfu", joined.path("offeredTo").asText(), joined.toString());
            assertEquals("answer-to:b-join-offer", b.next("answer").get("sdp").asText());
            List<String> seen = commandsUntilOffer(room, sessionB);
            assertTrue(seen.indexOf("ALLOCATE@new") >= 0 && seen.indexOf("ALLOCATE@new") < seen.indexOf("OFFER@new"),
                    "b's offer goes to the new node, after an endpoint was made for it there: " + seen);
        } finally {
            holdAllocationsIn = null;
            deafToPings.remove(NODE);
            draining.add(NODE2);
            announce(NODE2, true);
        }
    }

    /**
     * A node that answers every ping late (1.25 s, past the 1 s timeout, while another node answers in time) is slow,
     * not gone: its late answers start its misses afresh, and its room stays. (Answers steadily later than about
     * 1.75 s leave four timeouts between two answers, and the room moves.)
     */
    @Test
    void aNodeThatAnswersItsPingsLateKeepsItsRooms() throws Exception {
        String room = TestTokens.uniqueRoom("slow");
        awaitNodeKnown();
        announceSecondNodeDraining();
        try (WsClient a = WsClient.connect(ws)) {
            a.next("hello");
            joinOnFirstNode(a, room);
            draining.remove(NODE2);
            announce(NODE2, false);
            ponged.clear();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ponged.contains(NODE)
                    && ponged.contains(NODE2));
            slowPongMs.put(NODE, 1250L);
            // Without the late answers, four misses in a row moved the room about 2.75 s after the first slow ping was
            // sent (its timeout, then three more a ping interval apart); eight seconds is well past that.
            org.awaitility.Awaitility.await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        for (JsonNode m = a.poll(); m != null; m = a.poll()) {
                            if ("sfu-moved".equals(m.path("type").asText())) {
                                return false;
                            }
                        }
                        return true;
                    });
            // The node still answers (late): a command for the room still goes to it.
            a.send("{\"type\":\"offer\",\"to\":\"sfu\",\"sdp\":\"a-offer\"}");
            MediaCommand offer;
            do {
                offer = nextCommand(room);
            } while (offer.type() != MediaCommandType.OFFER);
            assertEquals(NODE, offer.nodeId(), "the room stayed on its slow node");
        } finally {
            slowPongMs.remove(NODE);
            draining.add(NODE2);
            announce(NODE2, true);
        }
    }

    @Test
    void aMediaNodeThatDoesNotAnswerGivesTheClientAClearErrorNotAHang() throws Exception {
        awaitNodeKnown();
        try (WsClient c = WsClient.connect(ws)) {
            c.next("hello");
            JsonNode error = c.send(sfuJoin(TestTokens.uniqueRoom("silent"))).next("error");
            assertEquals("media-timeout", error.get("code").asText());
            assertTrue(error.get("message").asText().contains("did not answer ALLOCATE"), error.toString());
            assertTrue(c.send("{\"type\":\"ping\"}").next("pong").isObject(), "the socket is still usable");
        }
    }

    /** Signaling has read the node's announcement once a probe join is no longer refused as sfu-unavailable. */
    private void awaitNodeKnown() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (WsClient probe = WsClient.connect(ws)) {
                probe.next("hello");
                JsonNode reply = probe.send(sfuJoin(TestTokens.uniqueRoom("probe"))).next("joined", 5);
                assertEquals("sfu", reply.get("mode").asText());
            }
        });
    }

    private String sfuJoin(String room) {
        return "{\"type\":\"join\",\"token\":\"" + TestTokens.TOKENS.mint("t", room, RoomMode.SFU,
                UUID.randomUUID().toString(), Duration.ofMinutes(5)) + "\"}";
    }

    /** An SFU join that carries the client's first offer (docs/signaling-protocol.md, "Offer with the join"). */
    private String sfuJoinWithOffer(String room, String sdp) {
        String join = sfuJoin(room);
        return join.substring(0, join.length() - 1) + ",\"offer\":\"" + sdp + "\"}";
    }

    /** The second node is known to signaling, draining: no room is placed on it until it announces otherwise. */
    private void announceSecondNodeDraining() throws Exception {
        draining.add(NODE2);
        nodes.add(NODE2);
        announce(NODE2, true);
    }

    /** The client joins the SFU room, whose endpoint (the room's first) is allocated on {@link #NODE}. */
    private void joinOnFirstNode(WsClient client, String room) throws Exception {
        client.send(sfuJoin(room)).next("joined");
        assertEquals(NODE, nextCommand(room).nodeId());
    }

    /**
     * The client offers to "sfu" and gets the fake node's answer; returns the commands for its session up to that
     * offer, as TYPE@old ({@link #NODE}) or TYPE@new.
     */
    private List<String> offerAndCommandsBefore(WsClient client, String room, String session) throws Exception {
        client.send("{\"type\":\"offer\",\"to\":\"sfu\",\"sdp\":\"b-offer\"}");
        assertEquals("answer-to:b-offer", client.next("answer").get("sdp").asText());
        return commandsUntilOffer(room, session);
    }

    /** The commands for this session up to its first OFFER, as TYPE@old ({@link #NODE}) or TYPE@new. */
    private List<String> commandsUntilOffer(String room, String session) throws InterruptedException {
        List<String> seen = new java.util.ArrayList<>();
        MediaCommand c;
        do {
            c = nextCommand(room);
            if (c.endpointId().equals(session)) {
                seen.add(c.type() + "@" + (c.nodeId().equals(NODE) ? "old" : "new"));
            }
        } while (c.type() != MediaCommandType.OFFER || !c.endpointId().equals(session));
        return seen;
    }

    /** The next command the media node got for this room (commands for probe rooms are skipped). */
    private MediaCommand nextCommand(String room) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            MediaCommand c = commands.poll(100, TimeUnit.MILLISECONDS);
            if (c != null && c.roomId().equals(room)) {
                return c;
            }
        }
        throw new AssertionError("the media node got no command for " + room + " within 10 s");
    }

    private void answer(MediaCommand c) {
        if (c.type() == MediaCommandType.OFFER && c.roomId().startsWith("refuse-offers")) {
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.ERROR, c.requestId(), c.nodeId(), c.roomId(),
                    c.endpointId(), null, "offer has no ice-ufrag/ice-pwd", System.currentTimeMillis()));
            return;
        }
        MediaReplyType type = switch (c.type()) {
            case ALLOCATE -> MediaReplyType.ALLOCATED;
            case OFFER -> MediaReplyType.ANSWER;
            case PING -> MediaReplyType.PONG;
            default -> null;
        };
        if (type != null) {
            reply(new MediaReply(EventSchema.VERSION, type, c.requestId(), c.nodeId(), c.roomId(), c.endpointId(),
                    type == MediaReplyType.ANSWER ? "answer-to:" + c.sdp() : null, null, System.currentTimeMillis()));
        }
        if (type == MediaReplyType.ANSWER && c.roomId().startsWith("renegotiates-")) {
            reply(new MediaReply(EventSchema.VERSION, MediaReplyType.OFFER, null, c.nodeId(), c.roomId(),
                    c.endpointId(), "sfu-offer", null, System.currentTimeMillis()));
        }
    }

    private void reply(MediaReply reply) {
        producer.send(new ProducerRecord<>(Topics.MEDIA_REPLIES, reply.roomId(), reply));
        producer.flush();
    }

    private void announce(String node, boolean draining) throws Exception {
        producer.send(new ProducerRecord<>(Topics.NODES, node, new NodeAnnouncement(EventSchema.VERSION, node,
                NodeKind.MEDIA, "127.0.0.1", List.of(), 100, 0, draining, System.currentTimeMillis()))).get();
    }
}
