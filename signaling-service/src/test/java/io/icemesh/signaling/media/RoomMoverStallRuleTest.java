package io.icemesh.signaling.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rule by which the leader takes a media node that a client reported stalled for gone
 * ({@link RoomMover#stalledAndSilent}): its pings since the last it answered, how long the oldest has waited, and
 * whether another node answered meanwhile.
 */
class RoomMoverStallRuleTest {

    /** Pings every 250 ms from t = 1000; the node answered the one sent at 1000, then nothing. */
    private static final List<Long> SENT = List.of(1000L, 1250L, 1500L, 1750L);

    @Test
    void twoUnansweredPingsTheOldestWaitingLongEnoughWhileAnotherNodeAnswersIsGone() {
        assertEquals(1250, RoomMover.stalledAndSilent(1250 + RoomMover.STALL_CONFIRM_MS, 1000, SENT, 1500));
    }

    @Test
    void aNodeIsNotJudgedBeforeItsOldestUnansweredPingWaitedTheConfirmTime() {
        assertEquals(-1, RoomMover.stalledAndSilent(1250 + RoomMover.STALL_CONFIRM_MS - 1, 1000, SENT, 1500));
    }

    @Test
    void oneUnansweredPingIsNotEnough() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1500, List.of(1000L, 1250L, 1500L, 1750L), 1750));
        assertEquals(1750, RoomMover.stalledAndSilent(5000, 1500, List.of(1000L, 1250L, 1500L, 1750L, 2000L), 1750));
    }

    @Test
    void aNodeThatAnsweredItsLatestPingIsNotGone() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1750, SENT, 1750));
    }

    @Test
    void whenNoOtherNodeAnsweredSinceTheSilenceBeganTheMeshItselfMayBeSlow() {
        assertEquals(-1, RoomMover.stalledAndSilent(5000, 1000, SENT, 1000));
        assertEquals(1250, RoomMover.stalledAndSilent(5000, 1000, SENT, 1250));
    }
}
