package io.icemesh.media.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyframeRequestLimitTest {

    private static final long INTERVAL = 500_000_000L;

    @Test
    void aRequestHeldBackByTheLimitGoesOutWhenTheIntervalEndsOnce() {
        KeyframeRequestLimit limit = new KeyframeRequestLimit();
        long t0 = 1_000_000_000L;
        assertTrue(limit.claim(t0, INTERVAL), "the first request goes at once");
        assertFalse(limit.claim(t0 + 100_000_000L, INTERVAL), "a second one within the interval is held back");
        limit.defer(1234);
        assertTrue(limit.hasDeferred());
        assertEquals(0, limit.takeDue(t0 + 400_000_000L, INTERVAL), "not before the interval ends");
        assertEquals(1234, limit.takeDue(t0 + INTERVAL, INTERVAL), "at the end of the interval");
        assertFalse(limit.hasDeferred());
        assertEquals(0, limit.takeDue(t0 + 3 * INTERVAL, INTERVAL), "sent once");
        assertFalse(limit.claim(t0 + INTERVAL + 1, INTERVAL), "the deferred request started a new interval");
    }

    @Test
    void theLatestHeldBackRequestWinsAndAClearedOneIsNotSent() {
        KeyframeRequestLimit limit = new KeyframeRequestLimit();
        assertTrue(limit.claim(0, INTERVAL));
        limit.defer(1);
        limit.defer(2);
        assertEquals(2, limit.takeDue(INTERVAL, INTERVAL), "one key frame serves every subscriber: the latest layer");
        limit.defer(3);
        limit.clearDeferred();
        assertEquals(0, limit.takeDue(10 * INTERVAL, INTERVAL));
    }

    @Test
    void aRequestDeferredBeforeAnyWasSentGoesAtOnce() {
        KeyframeRequestLimit limit = new KeyframeRequestLimit();
        limit.defer(7); // the publisher had no keys yet
        assertEquals(7, limit.takeDue(42, INTERVAL));
    }
}
