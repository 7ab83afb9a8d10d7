package io.icemesh.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A subscriber's accounting of one stream's sequence numbers: gaps, recoveries, duplicates, each counted once. */
class StreamTest {

    private final Endpoint.Stream s = new Endpoint.Stream(42);

    @Test
    void aGapIsCountedWhenSkippedAndItsLateArrivalOnceAsARecovery() {
        s.first(100);
        assertEquals(0, s.arrive(101));
        assertEquals(2, s.arrive(104), "102 and 103 skipped");
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(103));
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(103), "a second copy is a duplicate, not a recovery");
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(104), "the newest again");
        assertEquals(2, s.gaps);
        assertEquals(1, s.recovered);
        assertEquals(2, s.duplicates);
        assertEquals(1, s.gaps - s.recovered, "102 is still missing");
    }

    @Test
    void aRepairCountsUpToTheWindowsEdgeAndNotBeyond() {
        s.first(0);
        assertEquals(2, s.arrive(3), "1 and 2 skipped");
        for (int seq = 4; seq <= Endpoint.WINDOW + 1; seq++) {
            assertEquals(0, s.arrive(seq));
        }
        // the newest is WINDOW + 1: 2 is WINDOW - 1 behind (inside), 1 is WINDOW behind (outside)
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(2), "at the window's last slot");
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(1), "one further: cannot tell");
        assertEquals(1, s.tooLate);
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(Endpoint.WINDOW + 1), "the newest's slot is still its own");
        assertEquals(1, s.duplicates);
        assertEquals(2, s.gaps);
        assertEquals(1, s.recovered);
    }

    @Test
    void sequenceNumbersWrapAndAJumpRestartsTheWindowWithoutAGap() {
        s.first(65534);
        assertEquals(1, s.arrive(0), "65535 skipped across the wrap");
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(65535));
        assertEquals(2000, s.arrive(2001), "a burst of 2,000 lost packets is 2,000 gaps");
        assertEquals(Endpoint.Stream.RESTARTED, s.arrive(20_000), "a jump of 18,000 is a new sender, not a gap");
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(10), "behind the jump: not a recovery");
        assertEquals(2001, s.gaps);
        assertEquals(1, s.recovered);
    }

    @Test
    void aSenderThatRestartsFarBelowIsFollowedOnceTwoOfItsPacketsComeInOrder() {
        // 30,000 behind (sequence numbers more than 32,768 behind read as ahead, across the wrap)
        s.first(30_000);
        assertEquals(0, s.arrive(30_001));
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(5), "one packet far behind: too late to tell");
        assertEquals(Endpoint.Stream.RESTARTED, s.arrive(6), "the next in order: the sender restarted");
        assertEquals(0, s.arrive(7));
        assertEquals(1, s.arrive(9), "gaps count again from the new start");
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(8));
        assertEquals(1, s.gaps);
        assertEquals(1, s.tooLate);
    }
}
