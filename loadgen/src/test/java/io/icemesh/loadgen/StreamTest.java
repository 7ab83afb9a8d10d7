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
    void aRepairFarBehindTheNewestStillCountsAndOneBeyondTheWindowIsTooLate() {
        s.first(0);
        assertEquals(1, s.arrive(2));
        for (int seq = 3; seq < 1500; seq++) {
            assertEquals(0, s.arrive(seq));
        }
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(1), "1,498 behind, inside the window");
        for (int seq = 1500; seq < Endpoint.WINDOW + 10; seq++) {
            s.arrive(seq);
        }
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(5), "beyond the window: cannot tell");
        assertEquals(1, s.tooLate);
        assertEquals(1, s.gaps);
        assertEquals(1, s.recovered);
    }

    @Test
    void sequenceNumbersWrapAndAJumpRestartsTheWindowWithoutAGap() {
        s.first(65534);
        assertEquals(1, s.arrive(0), "65535 skipped across the wrap");
        assertEquals(Endpoint.Stream.RECOVERED, s.arrive(65535));
        assertEquals(0, s.arrive(20_000), "a jump of thousands is a new sender, not a gap");
        assertEquals(Endpoint.Stream.NOT_MEDIA, s.arrive(10), "behind the jump: not a recovery");
        assertEquals(1, s.gaps);
        assertEquals(1, s.recovered);
    }
}
