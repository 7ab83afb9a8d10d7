package io.icemesh.media.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IngressStreamTest {

    private static final long MS = 1_000_000L;

    @Test
    void theNewestKeyFrameIsGivenOnlyWhileItIsRecent() {
        IngressStream in = new IngressStream(1234, null, 90_000, new PacketCache(64, 1_000 * MS), 0);
        assertEquals(-1, in.recentKeyframe(0, 500 * MS), "none before the first key frame");
        in.keyframeStarted(65_530, 100 * MS);
        assertEquals(65_530, in.recentKeyframe(400 * MS, 500 * MS));
        assertEquals(65_530, in.recentKeyframe(600 * MS, 500 * MS), "exactly 500 ms old");
        assertEquals(-1, in.recentKeyframe(601 * MS, 500 * MS), "too old");
        in.keyframeStarted(3, 700 * MS);
        assertEquals(3, in.recentKeyframe(700 * MS, 500 * MS), "the newer one, across the sequence wrap");
    }
}
