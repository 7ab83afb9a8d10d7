package io.icemesh.media.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RembPolicyTest {

    @Test
    void theSmallestShareOfAnySubscriberGoverns() {
        // 2 Mbit/s over 2 video streams = 1 Mbit/s; 600 kbit/s over 1 stream; 3 Mbit/s over 3 streams.
        assertEquals(600_000, RembPolicy.streamLimit(new long[] {2_000_000, 600_000, 3_000_000}, new int[] {2, 1, 3}, 3));
    }

    @Test
    void subscribersWithoutAnEstimateDoNotLimit() {
        assertEquals(-1, RembPolicy.streamLimit(new long[] {-1, -1}, new int[] {1, 1}, 2));
        assertEquals(800_000, RembPolicy.streamLimit(new long[] {-1, 800_000}, new int[] {1, 1}, 2));
        assertEquals(-1, RembPolicy.streamLimit(new long[] {500}, new int[] {1}, 0), "unused entries are ignored");
    }

    @Test
    void aPublishersTotalIsCapped() {
        long cap = 2_500_000;
        assertEquals(cap, RembPolicy.add(0, -1, cap), "no estimate: the cap");
        assertEquals(700_000, RembPolicy.add(0, 700_000, cap));
        assertEquals(1_200_000, RembPolicy.add(700_000, 500_000, cap), "two streams add up");
        assertEquals(cap, RembPolicy.add(2_000_000, 900_000, cap));
    }
}
