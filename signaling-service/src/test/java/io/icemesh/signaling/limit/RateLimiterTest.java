package io.icemesh.signaling.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void servesTheBurstThenOneTokenPerRefillInterval() {
        RateLimiter limiter = new RateLimiter(3, 0.5, 0);
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.tryAcquire(0), "request " + i + " of the burst of 3 is served");
        }
        assertFalse(limiter.tryAcquire(0), "the fourth request at once is refused");
        assertEquals(2 * SECOND, limiter.nanosUntilAvailable(0), "at 0.5/s the next token comes in 2 s");
        assertFalse(limiter.tryAcquire(2 * SECOND - 1), "not a nanosecond early");
        assertTrue(limiter.tryAcquire(2 * SECOND), "one token after 2 s");
        assertFalse(limiter.tryAcquire(2 * SECOND), "and only one");
    }

    @Test
    void perSecondHasABurstOfItsRateAsTheWebSocketLimitAlwaysHad() {
        RateLimiter limiter = RateLimiter.perSecond(50, 0);
        for (int i = 0; i < 50; i++) {
            assertTrue(limiter.tryAcquire(0));
        }
        assertFalse(limiter.tryAcquire(0));
        assertTrue(limiter.tryAcquire(SECOND / 50), "one more after a fiftieth of a second");
    }

    @Test
    void aRefundGivesBackOneTokenButNeverMoreThanTheBurst() {
        RateLimiter limiter = new RateLimiter(1, 1, 0);
        assertTrue(limiter.tryAcquire(0));
        limiter.refund();
        assertTrue(limiter.tryAcquire(0), "the refunded token is there again");
        limiter.refund();
        limiter.refund();
        assertTrue(limiter.isFull(0));
        assertTrue(limiter.tryAcquire(0));
        assertFalse(limiter.tryAcquire(0), "two refunds did not make a burst of two");
    }

    @Test
    void isFullOnceItHasRefilledCompletely() {
        RateLimiter limiter = new RateLimiter(2, 1, 0);
        assertTrue(limiter.isFull(0));
        limiter.tryAcquire(0);
        limiter.tryAcquire(0);
        assertFalse(limiter.isFull(2 * SECOND - 1));
        assertTrue(limiter.isFull(2 * SECOND));
    }

    @Test
    void refusesAConfigurationThatWouldServeNothing() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter(1, 0, 0));
    }
}
