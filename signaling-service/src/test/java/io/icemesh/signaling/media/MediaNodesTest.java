package io.icemesh.signaling.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SFU room placement: least loaded by the room log's count, equal loads by rendezvous hashing, never a full node. */
class MediaNodesTest {

    private static NodeAnnouncement node(String id, int capacity, int load, boolean draining, long atMs) {
        return new NodeAnnouncement(EventSchema.VERSION, id, NodeKind.MEDIA, "127.0.0.1", List.of(), capacity, load,
                draining, atMs);
    }

    @Test
    void newRoomsGoToTheLeastLoadedNodeCountingWhatTheRoomLogPlacedSinceTheNodesLastAnnouncement() {
        MediaNodes nodes = new MediaNodes();
        long now = System.currentTimeMillis();
        nodes.onNode("a", node("a", 100, 0, false, now));
        nodes.onNode("b", node("b", 100, 0, false, now));
        Map<String, Integer> placed = new HashMap<>();
        // Forty rooms of two, placed one after another as the room log would (both nodes still announce load 0).
        for (int i = 0; i < 40; i++) {
            String chosen = nodes.propose("room-" + i, null, placed).orElseThrow().node();
            placed.merge(chosen, 2, Integer::sum);
        }
        assertEquals(40, placed.get("a"), "spread evenly: " + placed);
        assertEquals(40, placed.get("b"), "spread evenly: " + placed);
    }

    @Test
    void loadIsRelativeToCapacityAndTheNodesOwnCountWinsWhenItIsHigher() {
        MediaNodes nodes = new MediaNodes();
        long now = System.currentTimeMillis();
        nodes.onNode("small", node("small", 10, 0, false, now));
        nodes.onNode("large", node("large", 100, 0, false, now));
        assertEquals("large", nodes.propose("r", null, Map.of("small", 2, "large", 10)).orElseThrow().node(),
                "2 of 10 is more loaded than 10 of 100");
        nodes.onNode("large", node("large", 100, 90, false, now));
        assertEquals("small", nodes.propose("r", null, Map.of("small", 2, "large", 10)).orElseThrow().node(),
                "the node says it holds 90");
    }

    @Test
    void equallyLoadedNodesAreRankedForTheRoomSoEveryInstanceProposesTheSameOne() {
        MediaNodes one = new MediaNodes();
        MediaNodes two = new MediaNodes();
        long now = System.currentTimeMillis();
        for (String id : List.of("a", "b", "c")) {
            one.onNode(id, node(id, 50, 0, false, now));
        }
        for (String id : List.of("c", "b", "a")) {
            two.onNode(id, node(id, 50, 0, false, now));
        }
        int differentNodes = 0;
        String previous = null;
        for (int i = 0; i < 20; i++) {
            String room = "room-" + i;
            String chosen = one.propose(room, null, Map.of()).orElseThrow().node();
            assertEquals(chosen, two.propose(room, null, Map.of()).orElseThrow().node(), room);
            if (!chosen.equals(previous)) {
                differentNodes++;
            }
            previous = chosen;
        }
        assertTrue(differentNodes > 1, "rooms are not all ranked to one node");
    }

    @Test
    void aFullDrainingOrSilentNodeTakesNoRoomAndALiveCurrentNodeKeepsItsRoom() {
        MediaNodes nodes = new MediaNodes();
        long now = System.currentTimeMillis();
        nodes.onNode("full", node("full", 4, 0, false, now));
        nodes.onNode("draining", node("draining", 100, 0, true, now));
        nodes.onNode("silent", node("silent", 100, 0, false, now - MediaNodes.NODE_EXPIRY.toMillis() - 1000));
        assertTrue(nodes.propose("r", null, Map.of("full", 4)).isEmpty(), "no node can take a room");
        nodes.onNode("open", node("open", 100, 99, false, now));
        assertEquals("open", nodes.propose("r", null, Map.of("full", 4)).orElseThrow().node());
        MediaNodes.Proposal kept = nodes.propose("r", "full", Map.of("full", 4)).orElseThrow();
        assertEquals("full", kept.node(), "a room stays on its live node, full or not");
        MediaNodes.Proposal moved = nodes.propose("r", "silent", Map.of()).orElseThrow();
        assertEquals("silent", moved.replaces(), "a room on a silent node is placed anew");
    }

    @Test
    void roomsLeaveADrainingSilentOrTombstonedNodeForTheLeastLoadedOtherButNotANodeNeverHeardOf() {
        MediaNodes nodes = new MediaNodes();
        long now = System.currentTimeMillis();
        nodes.onNode("a", node("a", 100, 0, false, now));
        nodes.onNode("b", node("b", 100, 0, false, now));
        nodes.onNode("c", node("c", 100, 0, false, now));
        assertEquals(null, nodes.leaving("a"), "a serves");
        assertEquals(null, nodes.leaving("unknown"), "a node this instance never heard of is left alone");
        nodes.onNode("a", node("a", 100, 4, true, now));
        assertEquals("node-draining", nodes.leaving("a").reason());
        assertEquals("c", nodes.moveTarget("r", "a", Map.of("a", 4, "b", 2)).orElseThrow(), "b holds more than c");
        nodes.onNode("b", node("b", 100, 0, false, now - MediaNodes.NODE_EXPIRY.toMillis() - 1000));
        assertEquals("node-gone", nodes.leaving("b").reason());
        nodes.onNode("c", null);
        assertEquals("node-gone", nodes.leaving("c").reason(), "a tombstoned node is gone, not forgotten");
        assertTrue(nodes.moveTarget("r", "a", Map.of()).isEmpty(), "no node left to take the room");
    }

    @Test
    void aNodeThatStoppedAnsweringPingsLosesItsRoomsAndTakesNoneUntilItAnnouncesAgain() {
        MediaNodes nodes = new MediaNodes();
        long now = System.currentTimeMillis();
        nodes.onNode("a", node("a", 100, 0, false, now));
        nodes.onNode("b", node("b", 100, 0, false, now));
        nodes.unresponsive("a", now + 1);
        assertEquals("node-unresponsive", nodes.leaving("a").reason());
        assertTrue(nodes.moveTarget("r", "b", Map.of()).isEmpty(), "a takes no room: b's rooms have nowhere to go");
        assertEquals("b", nodes.propose("r", "a", Map.of()).orElseThrow().node(), "a room on it is placed anew");
        assertEquals("a", nodes.propose("r", "a", Map.of()).orElseThrow().replaces());
        assertTrue(MediaNodes.moveInPlainWords("a", "b", "node-unresponsive").startsWith(
                "media node a stopped answering (" + RoomMover.PING_MISSES + " pings over Kafka unanswered"),
                "the cause in plain words");
        // An announcement sent before it was found unresponsive, arriving late.
        nodes.onNode("a", node("a", 100, 0, false, now));
        assertEquals("node-unresponsive", nodes.leaving("a").reason(), "a late old announcement changes nothing");
        nodes.onNode("a", node("a", 100, 0, false, now + 2));
        assertEquals(null, nodes.leaving("a"), "announcing again, it serves again");
        // Found by a client's stall report and pings: its own reason and words.
        nodes.unresponsive("a", now + 3, MediaNodes.STALLED);
        assertEquals("node-stalled", nodes.leaving("a").reason());
        assertTrue(MediaNodes.moveInPlainWords("a", "b", "node-stalled").startsWith(
                "media node a stopped sending media and answering"), "the cause in plain words");
        nodes.onNode("a", node("a", 100, 0, false, now + 4));
        nodes.unresponsive("a", now + 5);
        assertEquals("node-unresponsive", nodes.leaving("a").reason(), "a later finding has its own reason");
    }
}
