package io.icemesh.signaling.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyedRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void eachKeyHasABudgetOfItsOwn() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(2, 1, 100);
        assertEquals(0, limiter.tryAcquire("a", 0));
        assertEquals(0, limiter.tryAcquire("a", 0));
        assertEquals(SECOND, limiter.tryAcquire("a", 0), "a's third request waits one second for a token");
        assertEquals(0, limiter.tryAcquire("b", 0), "b is not charged for a's requests");
    }

    @Test
    void aRefundReturnsTheTokenToThatKeyOnly() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(1, 1, 100);
        assertEquals(0, limiter.tryAcquire("a", 0));
        limiter.refund("a");
        assertEquals(0, limiter.tryAcquire("a", 0), "the refunded token serves a's next request");
        limiter.refund("unknown");
        assertEquals(1, limiter.size(), "a refund to an untracked key tracks nothing");
    }

    @Test
    void forgetsABucketOnceItHasRefilled() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(4, 1, 100);
        limiter.tryAcquire("idle", 0);
        limiter.tryAcquire("busy", SECOND / 2);
        assertEquals(2, limiter.size(), "idle has regained only half its token at 0.5 s");
        limiter.tryAcquire("busy", SECOND);
        assertEquals(1, limiter.size(), "idle's bucket is full again at 1 s, so it is forgotten");
    }

    @Test
    void tracksAtMostMaxKeysAndTheForgottenKeyStartsOver() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(1, 1.0 / 3600, 2);
        assertEquals(0, limiter.tryAcquire("a", 0));
        assertTrue(limiter.tryAcquire("a", 0) > 0, "a has spent its burst");
        for (int i = 0; i < 1000; i++) {
            limiter.tryAcquire("key-" + i, 0);
            assertTrue(limiter.size() <= 2, "never more than 2 keys, had " + limiter.size());
        }
        assertEquals(0, limiter.tryAcquire("a", 0), "a was forgotten, the least recently used");
    }
}
