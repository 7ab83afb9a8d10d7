package io.icemesh.signaling.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rule by which the leader takes a media node that a client reported stalled for gone
 * ({@link RoomMover#stalledAndSilent}): its pings since the last it answered, in rounds another node answered a while
 * ago, and how long the oldest of those has waited.
 */
class RoomMoverStallRuleTest {

    /** Pings every 250 ms from t = 1000; the node answered the one sent at 1000, then nothing. */
    private static final List<Long> SENT = List.of(1000L, 1250L, 1500L, 1750L);
    /** Another node answered every round, 20 ms after it was sent. */
    private static final Map<Long, Long> OTHERS_ANSWER_ALL = answered(20, 1000L, 1250L, 1500L, 1750L, 2000L);

    /** Rounds another node answered {@code after} ms after they were sent. */
    private static Map<Long, Long> answered(long after, Long... rounds) {
        Map<Long, Long> m = new HashMap<>();
        for (long r : rounds) {
            m.put(r, r + after);
        }
        return m;
    }

    @Test
    void twoUnansweredPingsTheOldestWaitingLongEnoughWhileAnotherNodeAnswersIsGone() {
        assertEquals(1250, RoomMover.stalledAndSilent(1250 + RoomMover.STALL_CONFIRM_MS, 1000, SENT,
                OTHERS_ANSWER_ALL));
    }

    @Test
    void aNodeIsNotJudgedBeforeItsOldestUnansweredPingWaitedTheConfirmTime() {
        assertEquals(-1, RoomMover.stalledAndSilent(1250 + RoomMover.STALL_CONFIRM_MS - 1, 1000, SENT,
                OTHERS_ANSWER_ALL));
    }

    @Test
    void oneUnansweredPingIsNotEnough() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1500, List.of(1000L, 1250L, 1500L, 1750L),
                OTHERS_ANSWER_ALL));
        assertEquals(1750, RoomMover.stalledAndSilent(5000, 1500, List.of(1000L, 1250L, 1500L, 1750L, 2000L),
                OTHERS_ANSWER_ALL));
    }

    @Test
    void aNodeThatAnsweredItsLatestPingIsNotGone() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1750, SENT, OTHERS_ANSWER_ALL));
    }

    @Test
    void roundsNoOtherNodeAnsweredSayNothingOfTheNode() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1000, SENT, answered(20, 1000L)));
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1000, SENT, answered(20, 1000L, 1750L)));
        assertEquals(1250, RoomMover.stalledAndSilent(5000, 1000, SENT, answered(20, 1250L, 1750L)));
    }

    /**
     * Seen in MediaFailoverTest on a loaded 2-core machine: the broker path stalled for about two seconds, so both
     * nodes left the pings of 1250-1750 unanswered; then the other node's answer to the round of 2000 came back a
     * moment before this node's. One round another node answered is not two: the node is not gone.
     */
    @Test
    void aStallOfTheWholeMeshFollowedByOneRoundTheOtherNodeAnsweredFirstIsNotTheNodesSilence() {
        List<Long> sent = List.of(1000L, 1250L, 1500L, 1750L, 2000L);
        assertEquals(-1, RoomMover.stalledAndSilent(3000, 1000, sent, answered(20, 1000L, 2000L)));
    }

    /**
     * The end of a shorter stall: the other node's answers to the rounds of 1250-1750, held up with this node's, came
     * back at 2000-2010, and this node's are on their way. Rounds answered less than a grace ago do not count yet; once
     * they are that old and this node still has not answered, they do.
     */
    @Test
    void roundsAnotherNodeAnsweredOnlyAMomentAgoDoNotCountYet() {
        Map<Long, Long> late = Map.of(1000L, 1020L, 1250L, 2000L, 1500L, 2005L, 1750L, 2010L);
        assertEquals(-1, RoomMover.stalledAndSilent(2100, 1000, SENT, late));
        assertEquals(-1, RoomMover.stalledAndSilent(2000 + RoomMover.STALL_ANSWER_GRACE_MS - 1, 1000, SENT, late));
        assertEquals(1250, RoomMover.stalledAndSilent(2005 + RoomMover.STALL_ANSWER_GRACE_MS, 1000, SENT, late));
    }
}
