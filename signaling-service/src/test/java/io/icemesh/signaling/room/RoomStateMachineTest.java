package io.icemesh.signaling.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.icemesh.signaling.auth.RoomMode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The room state machine on its own: every rule decided from the log alone, the same on every replica. Commands go
 * through their JSON form, as they do on the log.
 */
class RoomStateMachineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomStateMachine.Limits LIMITS = new RoomStateMachine.Limits(2, 3, 4, 10);

    /** Two replicas that must agree; every command is applied to both, and both results are compared. */
    private final RoomStateMachine a = new RoomStateMachine(LIMITS);
    private final RoomStateMachine b = new RoomStateMachine(LIMITS);

    private RoomStateMachine.Applied apply(RoomCommand command) throws Exception {
        String wire = JSON.writeValueAsString(command);
        RoomStateMachine.Applied onA = a.apply(JSON.readValue(wire, RoomCommand.class));
        RoomStateMachine.Applied onB = b.apply(JSON.readValue(wire, RoomCommand.class));
        assertEquals(onA, onB, "both replicas decide " + wire + " the same way");
        return onA;
    }

    private static RoomCommand.Join join(String room, String instance, String session, RoomMode mode, String node) {
        return new RoomCommand.Join(room, instance, "req-" + session, "conn-" + session, session, "peer-" + session,
                "user-" + session, mode, "token-" + session, node, null, 1000);
    }

    private static RoomCommand.Join p2p(String room, String instance, String session) {
        return join(room, instance, session, RoomMode.P2P, null);
    }

    private static RoomCommand.Relay offer(String room, String instance, String from, String toPeer, String sdp) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", sdp);
        return new RoomCommand.Relay(room, instance, "conn-" + from, from, toPeer, "offer", body);
    }

    private static JsonNode text(Delivery d) throws Exception {
        return JSON.readTree(d.text());
    }

    @Test
    void twoJoinsRacingForTheLastPlaceFromTwoInstancesOneWinsOnEveryReplica() throws Exception {
        assertInstanceOf(Outcome.Joined.class, apply(p2p("r", "i1", "s1")).outcome());
        // i1 and i2 both saw one free place and wrote their joins; the log orders them.
        Outcome first = apply(p2p("r", "i2", "s2")).outcome();
        Outcome second = apply(p2p("r", "i1", "s3")).outcome();
        assertInstanceOf(Outcome.Joined.class, first);
        Outcome.Refused refused = assertInstanceOf(Outcome.Refused.class, second);
        assertEquals("room-full", refused.code());
        assertEquals(2, a.members("r").size());
    }

    @Test
    void theReplicaForeseesWhomAJoinsOfferGoesToAndWhenTheLogWouldRefuseTheJoin() throws Exception {
        assertTrue(a.firstPeerIfAdmitted(p2p("r", "i1", "s1")).isEmpty(), "no one to offer to in an empty room");
        apply(p2p("r", "i1", "s1"));
        RoomCommand.Join second = p2p("r", "i2", "s2");
        assertEquals("peer-s1", a.firstPeerIfAdmitted(second).orElseThrow().peerId());
        Outcome.Joined joined = assertInstanceOf(Outcome.Joined.class, apply(second).outcome());
        assertEquals("peer-s1", joined.others().get(0).peerId(), "the log gave the offer to the peer foreseen");
        assertTrue(a.firstPeerIfAdmitted(p2p("r", "i1", "s3")).isEmpty(), "the room is full (two peers)");
        assertTrue(a.firstPeerIfAdmitted(p2p("elsewhere", "i1", "s1")).isEmpty(), "the session is in use");
        assertTrue(a.firstPeerIfAdmitted(join("r", "i1", "s4", RoomMode.SFU, "n1")).isEmpty(), "not a P2P join");
        apply(new RoomCommand.Leave("r", "i1", null, "s1", 1));
        assertEquals("peer-s2", a.firstPeerIfAdmitted(p2p("r", "i1", "s5")).orElseThrow().peerId(),
                "after the first peer left, the next in join order");
    }

    @Test
    void aRoomKeepsItsFirstModeAndASessionJoinsOnce() throws Exception {
        apply(p2p("r", "i1", "s1"));
        assertEquals("wrong-mode", ((Outcome.Refused) apply(join("r", "i2", "s2", RoomMode.SFU, "n1")).outcome())
                .code());
        assertEquals("session-in-use", ((Outcome.Refused) apply(p2p("other", "i2", "s1")).outcome()).code());
    }

    @Test
    void peersHearOfAJoinAndEveryDeliveryIsNumberedWithoutGapsPerSession() throws Exception {
        apply(p2p("r", "i1", "s1"));
        RoomStateMachine.Applied joined = apply(p2p("r", "i2", "s2"));
        Outcome.Joined j = (Outcome.Joined) joined.outcome();
        assertEquals(List.of("peer-s1"), j.others().stream().map(Member::peerId).toList());
        Delivery peerJoined = joined.deliveries().get(0);
        assertEquals("s1", peerJoined.sessionId());
        assertEquals("i1", peerJoined.instance(), "the instance holding s1's socket delivers");
        assertEquals("peer-joined", text(peerJoined).get("type").asText());
        assertEquals(1, text(peerJoined).get("seq").asLong());

        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Delivery d = apply(offer("r", "i2", "s2", "peer-s1", "v" + i)).deliveries().get(0);
            assertEquals("peer-s2", text(d).get("from").asText());
            assertEquals("v" + i, text(d).get("sdp").asText());
            seqs.add(text(d).get("seq").asLong());
        }
        assertEquals(List.of(2L, 3L, 4L), seqs);
    }

    @Test
    void aRelayToAnUnknownPeerOrFromASocketThatNoLongerSpeaksForTheSessionIsRefused() throws Exception {
        apply(p2p("r", "i1", "s1"));
        assertEquals("unknown-peer", ((Outcome.Refused) apply(offer("r", "i1", "s1", "peer-s1", "x")).outcome())
                .code());
        assertEquals("unknown-peer", ((Outcome.Refused) apply(offer("r", "i1", "s1", "nobody", "x")).outcome())
                .code());
        apply(p2p("r", "i1", "s2"));
        apply(new RoomCommand.Resume("r", "i2", "q", "conn-new", "token-s1", 0));
        Outcome stale = apply(offer("r", "i1", "s1", "peer-s2", "x")).outcome();
        assertEquals("not-joined", ((Outcome.Refused) stale).code(), "the old socket lost the session");
    }

    @Test
    void aResumeOnAnotherInstanceReplaysWhatWasMissedAndALateDisconnectOrExpiryOfTheOldSocketIsIgnored()
            throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i1", "s2"));
        Outcome.Detached away = (Outcome.Detached) apply(new RoomCommand.Disconnected("r", "i1", "s2", 1, 5000))
                .outcome();
        assertEquals(5000, away.atMs());
        Delivery whileAway = apply(offer("r", "i1", "s1", "peer-s2", "while-away")).deliveries().get(0);
        assertNull(whileAway.instance(), "nobody holds s2's socket");

        Outcome.Resumed resumed = (Outcome.Resumed) apply(new RoomCommand.Resume("r", "i2", "q", "conn-b", "token-s2",
                0)).outcome();
        assertEquals(2, resumed.self().epoch());
        assertEquals("i2", resumed.self().instance());
        assertEquals(1, resumed.missed().size());
        assertEquals("while-away", JSON.readTree(resumed.missed().get(0)).get("sdp").asText());
        assertEquals(List.of("peer-s1"), resumed.others().stream().map(Member::peerId).toList());

        assertInstanceOf(Outcome.Ignored.class, apply(new RoomCommand.Disconnected("r", "i1", "s2", 1, 6000))
                .outcome());
        RoomStateMachine.Applied expired = apply(new RoomCommand.Expire("r", "i3", "s2", 1));
        assertInstanceOf(Outcome.Ignored.class, expired.outcome());
        assertTrue(expired.deliveries().isEmpty(), "s1 hears no peer-left");
        Delivery next = apply(offer("r", "i1", "s1", "peer-s2", "after")).deliveries().get(0);
        assertEquals("i2", next.instance());
        assertEquals("conn-b", next.connection());
        assertEquals(2, text(next).get("seq").asLong(), "seq goes on where it was, on the new instance");
    }

    @Test
    void theReplayBufferKeepsTheLatestMessagesAndAResumeSendsOnlyThoseAfterTheClientsLastSeq() throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i1", "s2"));
        apply(new RoomCommand.Disconnected("r", "i1", "s2", 1, 0));
        for (int i = 1; i <= 6; i++) {
            apply(offer("r", "i1", "s1", "peer-s2", "m" + i));
        }
        assertEquals(List.of("m3", "m4", "m5", "m6"), sdps(apply(new RoomCommand.Resume("r", "i1", "q", "c2",
                "token-s2", 2))), "the buffer holds the latest 4; the client saw up to 2");
        assertEquals(List.of("m5", "m6"), sdps(apply(new RoomCommand.Resume("r", "i2", "q", "c3", "token-s2", 4))),
                "seq 1..6 carry m1..m6; the client saw up to 4");
    }

    @Test
    void aResumeThatNeedsAMessageNoLongerKeptLeavesTheRoomSoThatTheClientCanJoinAgain() throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i1", "s2"));
        apply(new RoomCommand.Disconnected("r", "i1", "s2", 1, 0));
        for (int i = 1; i <= 6; i++) {
            apply(offer("r", "i1", "s1", "peer-s2", "m" + i));
        }
        // The buffer holds seq 3..6: a client that saw only seq 1 would miss seq 2 without knowing.
        RoomStateMachine.Applied gap = apply(new RoomCommand.Resume("r", "i2", "q", "c2", "token-s2", 1));
        Outcome.Left left = assertInstanceOf(Outcome.Left.class, gap.outcome());
        assertEquals("resume-gap", left.reason());
        assertEquals(1, gap.deliveries().size());
        assertEquals("s1", gap.deliveries().get(0).sessionId());
        assertEquals("peer-left", text(gap.deliveries().get(0)).get("type").asText());
        assertEquals("resume-gap", text(gap.deliveries().get(0)).get("reason").asText());
        assertInstanceOf(Outcome.Refused.class, apply(new RoomCommand.Resume("r", "i2", "q", "c3", "token-s2", 6))
                .outcome(), "the token is gone with the session");
        assertInstanceOf(Outcome.Joined.class, apply(p2p("r", "i2", "s2")).outcome(),
                "the same session joins again at once (no session-in-use)");
    }

    @Test
    void aRoomKeepsAtMostItsReplayBudgetInBytesAndThePeerKeepingTheMostDropsFirst() throws Exception {
        RoomStateMachine.Limits budget = new RoomStateMachine.Limits(3, 3, 64, 10, 20_000);
        RoomStateMachine x = new RoomStateMachine(budget);
        RoomStateMachine y = new RoomStateMachine(budget);
        java.util.function.Function<RoomCommand, RoomStateMachine.Applied> both = c -> {
            try {
                String wire = JSON.writeValueAsString(c);
                RoomStateMachine.Applied onX = x.apply(JSON.readValue(wire, RoomCommand.class));
                assertEquals(onX, y.apply(JSON.readValue(wire, RoomCommand.class)));
                return onX;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        for (String s : List.of("s1", "s2", "s3")) {
            both.apply(p2p("r", "i1", s));
        }
        // s3 gets small messages, s2 large ones full of characters a snapshot must escape.
        both.apply(offer("r", "i1", "s1", "peer-s3", "small-1"));
        String large = "\"quoted\" \\ ".repeat(300);
        for (int i = 0; i < 20; i++) {
            both.apply(offer("r", "i1", "s1", "peer-s2", large + i));
        }
        both.apply(offer("r", "i1", "s1", "peer-s3", "small-2"));
        JsonNode snapshot = x.snapshot("r");
        long replayBytes = 0;
        for (JsonNode peer : snapshot.get("peers")) {
            for (JsonNode sent : peer.get("backlog")) {
                replayBytes += JSON.writeValueAsString(sent).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                        + 1;
            }
        }
        assertTrue(replayBytes <= 20_000, "replay buffers take " + replayBytes + " bytes in the snapshot");
        assertTrue(replayBytes > 10_000, "the budget is used, not emptied: " + replayBytes);
        assertEquals(2, snapshot.get("peers").get("peer-s3").get("backlog").size(), "the small buffer is untouched");
        assertTrue(snapshot.get("peers").get("peer-s2").get("backlog").size() < 20);
        // After a restore the replica counts the same bytes and drops the same messages.
        RoomStateMachine restored = new RoomStateMachine(budget);
        restored.restore("r", JSON.readTree(snapshot.toString()));
        RoomCommand next = offer("r", "i1", "s1", "peer-s2", large + "next");
        String wire = JSON.writeValueAsString(next);
        restored.apply(JSON.readValue(wire, RoomCommand.class));
        both.apply(next);
        assertEquals(x.snapshot("r"), restored.snapshot("r"));
    }

    private static List<String> sdps(RoomStateMachine.Applied resumed) throws Exception {
        List<String> list = new ArrayList<>();
        for (String t : ((Outcome.Resumed) resumed.outcome()).missed()) {
            list.add(JSON.readTree(t).get("sdp").asText());
        }
        return list;
    }

    @Test
    void expiryAfterTheGraceLeavesOnceWithReasonTimeoutAndTheResumeTokenDies() throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i1", "s2"));
        apply(new RoomCommand.Disconnected("r", "i1", "s2", 1, 0));
        RoomStateMachine.Applied first = apply(new RoomCommand.Expire("r", "i1", "s2", 1));
        Outcome.Left left = (Outcome.Left) first.outcome();
        assertEquals("timeout", left.reason());
        assertEquals("peer-left", text(first.deliveries().get(0)).get("type").asText());
        assertEquals("timeout", text(first.deliveries().get(0)).get("reason").asText());
        RoomStateMachine.Applied duplicate = apply(new RoomCommand.Expire("r", "i2", "s2", 1));
        assertInstanceOf(Outcome.Ignored.class, duplicate.outcome(), "another instance's expire of it is a no-op");
        assertTrue(duplicate.deliveries().isEmpty());
        assertEquals("bad-resume", ((Outcome.Refused) apply(new RoomCommand.Resume("r", "i1", "q", "c", "token-s2",
                0)).outcome()).code());
    }

    @Test
    void anExpiryOfAnAttachedSessionIsIgnored() throws Exception {
        apply(p2p("r", "i1", "s1"));
        assertInstanceOf(Outcome.Ignored.class, apply(new RoomCommand.Expire("r", "i1", "s1", 1)).outcome());
        assertEquals(1, a.peerCount());
    }

    @Test
    void instanceGoneDetachesOnlyThatInstancesSessionsAndIsIdempotent() throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i2", "s2"));
        Outcome.Detached gone = (Outcome.Detached) apply(new RoomCommand.InstanceGone("r", "i1", "i2", 7000))
                .outcome();
        assertEquals(List.of("s2"), gone.members().stream().map(Member::sessionId).toList());
        assertInstanceOf(Outcome.Ignored.class, apply(new RoomCommand.InstanceGone("r", "i3", "i2", 7100)).outcome());
        assertEquals(1, a.away().size());
        assertEquals(7000, a.away().get(0).detachedAtMs());
        assertTrue(a.member("s1").orElseThrow().attached());
        assertEquals(java.util.Map.of("i1", java.util.Set.of("r")), a.roomsByInstance());
    }

    @Test
    void anSfuRoomKeepsTheFirstProposedNodeUntilAJoinSeesItGone() throws Exception {
        Outcome.Pending p1 = (Outcome.Pending) apply(join("s", "i1", "s1", RoomMode.SFU, "node-a")).outcome();
        assertEquals("node-a", p1.self().mediaNode());
        // i2 had another view and proposed node-b: the room stays on node-a.
        Outcome.Pending p2 = (Outcome.Pending) apply(join("s", "i2", "s2", RoomMode.SFU, "node-b")).outcome();
        assertEquals("node-a", p2.self().mediaNode());
        // Pending peers do not hear of each other; admitted ones do.
        RoomStateMachine.Applied admit1 = apply(new RoomCommand.Admit("s", "i1", "a1", "s1"));
        assertTrue(((Outcome.Joined) admit1.outcome()).others().isEmpty());
        assertTrue(admit1.deliveries().isEmpty());
        RoomStateMachine.Applied admit2 = apply(new RoomCommand.Admit("s", "i2", "a2", "s2"));
        assertEquals("s1", admit2.deliveries().get(0).sessionId());
        RoomCommand.Join replacing = new RoomCommand.Join("s", "i2", "r3", "conn-s3", "s3", "peer-s3", null,
                RoomMode.SFU, "token-s3", "node-c", "node-a", 1);
        assertEquals("node-c", ((Outcome.Pending) apply(replacing).outcome()).self().mediaNode());
        assertEquals("node-c", a.mediaNode("s").orElseThrow());
    }

    @Test
    void anAbandonedSfuJoinGoesSilentlyAndTheRoomWithIt() throws Exception {
        apply(join("s", "i1", "s1", RoomMode.SFU, "node-a"));
        Outcome.Abandoned gone = (Outcome.Abandoned) apply(new RoomCommand.Abandon("s", "i1", "s1")).outcome();
        assertTrue(gone.roomEmpty());
        assertTrue(a.mediaNode("s").isEmpty(), "placement goes with the room");
        assertEquals("sfu-unavailable", ((Outcome.Refused) apply(join("s", "i1", "s2", RoomMode.SFU, null))
                .outcome()).code());
    }

    @Test
    void sfuMessagesWrittenByEveryInstanceReachTheSessionOnce() throws Exception {
        apply(join("s", "i1", "s1", RoomMode.SFU, "node-a"));
        ObjectNode offer = JsonNodeFactory.instance.objectNode().put("type", "offer").put("from", "sfu")
                .put("sdp", "x");
        assertEquals(1, apply(new RoomCommand.SfuMessage("s", "i1", "s1", "media-replies:0:7", offer)).deliveries()
                .size());
        assertTrue(apply(new RoomCommand.SfuMessage("s", "i2", "s1", "media-replies:0:7", offer)).deliveries()
                .isEmpty());
    }

    @Test
    void aSessionsReportBudgetHoldsWhateverInstanceItReportsThrough() throws Exception {
        apply(p2p("r", "i1", "s1"));
        assertInstanceOf(Outcome.Accepted.class, apply(new RoomCommand.Report("r", "i1", "q1", "s1", 6)).outcome());
        apply(new RoomCommand.Resume("r", "i2", "q", "c2", "token-s1", 0));
        assertEquals("too-many", ((Outcome.Refused) apply(new RoomCommand.Report("r", "i2", "q2", "s1", 5))
                .outcome()).code());
        assertInstanceOf(Outcome.Accepted.class, apply(new RoomCommand.Report("r", "i2", "q3", "s1", 4)).outcome());
    }

    @Test
    void aReplicaRestoredFromASnapshotGoesOnExactlyAsTheOneThatWroteIt() throws Exception {
        apply(p2p("r", "i1", "s1"));
        apply(p2p("r", "i2", "s2"));
        apply(offer("r", "i1", "s1", "peer-s2", "before"));
        apply(new RoomCommand.Disconnected("r", "i2", "s2", 1, 42));
        JsonNode snapshot = JSON.readTree(JSON.writeValueAsString(a.snapshot("r")));
        RoomStateMachine restored = new RoomStateMachine(LIMITS);
        restored.restore("r", snapshot);
        assertEquals(a.away(), restored.away());

        RoomCommand next = offer("r", "i1", "s1", "peer-s2", "after");
        assertEquals(a.apply(next), restored.apply(next));
        RoomCommand resume = new RoomCommand.Resume("r", "i3", "q", "c3", "token-s2", 0);
        RoomStateMachine.Applied resumed = restored.apply(resume);
        assertEquals(a.apply(resume), resumed);
        assertEquals(2, ((Outcome.Resumed) resumed.outcome()).missed().size(), "the offers before and after it");
    }

    @Test
    void replicasConfiguredDifferentlyFollowTheLimitsTheJoinCarries() throws Exception {
        // A rolling update: one replica still has the old max-peers and backlog, the other the new ones.
        RoomStateMachine old = new RoomStateMachine(new RoomStateMachine.Limits(2, 3, 4, 10));
        RoomStateMachine updated = new RoomStateMachine(new RoomStateMachine.Limits(5, 3, 1, 10));
        RoomStateMachine.Limits writer = new RoomStateMachine.Limits(2, 3, 2, 10);
        List<Outcome> onOld = new ArrayList<>();
        List<Outcome> onUpdated = new ArrayList<>();
        for (String s : List.of("s1", "s2", "s3")) {
            RoomCommand.Join j = p2p("r", "i1", s);
            String wire = JSON.writeValueAsString(new RoomCommand.Join(j.room(), j.origin(), j.request(),
                    j.connection(), j.sessionId(), j.peerId(), j.subject(), j.mode(), j.resumeToken(), null, null,
                    j.atMs(), writer));
            onOld.add(old.apply(JSON.readValue(wire, RoomCommand.class)).outcome());
            onUpdated.add(updated.apply(JSON.readValue(wire, RoomCommand.class)).outcome());
        }
        assertEquals(onOld, onUpdated, "both decide the joins by the writer's limits");
        assertInstanceOf(Outcome.Refused.class, onOld.get(2), "the writer's max-peers of 2");
        for (int i = 0; i < 3; i++) {
            String wire = JSON.writeValueAsString(offer("r", "i1", "s1", "peer-s2", "v" + i));
            old.apply(JSON.readValue(wire, RoomCommand.class));
            updated.apply(JSON.readValue(wire, RoomCommand.class));
        }
        assertEquals(old.snapshot("r"), updated.snapshot("r"), "the same replay buffers (the writer's backlog of 2)");
        assertEquals(2, old.snapshot("r").get("peers").get("peer-s2").get("backlog").size());
    }

    @Test
    void aMoveTakesTheRoomToItsNewNodeOnceAndNewJoinsFollowIt() throws Exception {
        apply(join("r", "i1", "s1", RoomMode.SFU, "node-a"));
        apply(new RoomCommand.Admit("r", "i1", "adm-1", "s1"));
        apply(join("r", "i2", "s2", RoomMode.SFU, "node-a"));
        apply(new RoomCommand.Admit("r", "i2", "adm-2", "s2"));
        Outcome.Moved moved = assertInstanceOf(Outcome.Moved.class,
                apply(new RoomCommand.MoveRoom("r", "i1", "node-a", "node-b", "node-draining")).outcome());
        assertEquals("node-b", moved.to());
        assertEquals(List.of("s1", "s2"), moved.members().stream().map(Member::sessionId).toList());
        assertEquals("node-b", moved.members().get(0).mediaNode(), "members carry the new node");
        assertEquals(java.util.Optional.of("node-b"), a.mediaNode("r"));
        // A second instance's move of the same room, written before it saw the first, changes nothing.
        assertInstanceOf(Outcome.Ignored.class,
                apply(new RoomCommand.MoveRoom("r", "i2", "node-a", "node-c", "node-draining")).outcome());
        assertEquals(java.util.Optional.of("node-b"), b.mediaNode("r"));
        assertEquals(java.util.Map.of("node-b", java.util.Set.of("r")), a.roomsByNode());
        // A joiner that still proposed the old node lands on the room's node.
        apply(join("r", "i1", "s3", RoomMode.SFU, "node-a"));
        assertEquals("node-b", a.member("s3").orElseThrow().mediaNode());
    }

    @Test
    void aStallReportNamesTheRoomsNodeAndChangesNothing() throws Exception {
        apply(join("r", "i1", "s1", RoomMode.SFU, "node-a"));
        apply(new RoomCommand.Admit("r", "i1", "adm-1", "s1"));
        String before = a.snapshot("r").toString();
        String wire = JSON.writeValueAsString(new RoomCommand.SfuStalled("r", "i1", "s1", "node-a", 1234));
        Outcome.Stalled stalled = assertInstanceOf(Outcome.Stalled.class,
                a.apply(JSON.readValue(wire, RoomCommand.class)).outcome());
        assertEquals(new Outcome.Stalled("r", "node-a", "s1", 1234), stalled);
        assertEquals(before, a.snapshot("r").toString(), "a stall report changes no state");
        // Written before the room moved, or by a session that is gone: nothing to judge.
        assertInstanceOf(Outcome.Ignored.class,
                a.apply(new RoomCommand.SfuStalled("r", "i1", "s1", "node-b", 1234)).outcome());
        assertInstanceOf(Outcome.Ignored.class,
                a.apply(new RoomCommand.SfuStalled("r", "i1", "gone", "node-a", 1234)).outcome());
    }
}
