package io.icemesh.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void servesTheBurstThenOneTokenPerRefillInterval() {
        TokenBucket bucket = new TokenBucket(0.5, 3, 0);
        for (int i = 0; i < 3; i++) {
            assertTrue(bucket.tryTake(1, 0), "request " + i + " of the burst of 3 is served");
        }
        assertFalse(bucket.tryTake(1, 0), "the fourth request at once is refused");
        assertEquals(2 * SECOND, bucket.nanosUntilAvailable(1, 0), "at 0.5/s the next token comes in 2 s");
        assertFalse(bucket.tryTake(1, 2 * SECOND - 1), "not a nanosecond early");
        assertTrue(bucket.tryTake(1, 2 * SECOND), "one token after 2 s");
        assertFalse(bucket.tryTake(1, 2 * SECOND), "and only one");
    }

    @Test
    void perSecondHasABurstOfItsRate() {
        TokenBucket bucket = TokenBucket.perSecond(50, 0);
        for (int i = 0; i < 50; i++) {
            assertTrue(bucket.tryTake(1, 0));
        }
        assertFalse(bucket.tryTake(1, 0));
        assertTrue(bucket.tryTake(1, SECOND / 50), "one more after a fiftieth of a second");
    }

    @Test
    void takesByCostAsARelayTakesBytes() {
        TokenBucket bytes = new TokenBucket(10_000, 1_500, 0);
        assertTrue(bytes.tryTake(1_200, 0));
        assertFalse(bytes.tryTake(1_200, 0), "300 bytes left");
        assertTrue(bytes.tryTake(300, 0), "and those can still go");
        assertTrue(bytes.tryTake(1_000, SECOND / 10), "1,000 bytes back after 100 ms at 10 kB/s");
    }

    @Test
    void aRefundGivesBackTokensButNeverMoreThanTheBurst() {
        TokenBucket bucket = new TokenBucket(1, 1, 0);
        assertTrue(bucket.tryTake(1, 0));
        bucket.refund(1);
        assertTrue(bucket.tryTake(1, 0), "the refunded token is there again");
        bucket.refund(1);
        bucket.refund(1);
        assertTrue(bucket.isFull(0));
        assertTrue(bucket.tryTake(1, 0));
        assertFalse(bucket.tryTake(1, 0), "two refunds did not make a burst of two");
    }

    @Test
    void isFullOnceItHasRefilledCompletely() {
        TokenBucket bucket = new TokenBucket(1, 2, 0);
        assertTrue(bucket.isFull(0));
        bucket.tryTake(1, 0);
        bucket.tryTake(1, 0);
        assertFalse(bucket.isFull(2 * SECOND - 1));
        assertTrue(bucket.isFull(2 * SECOND));
    }

    @Test
    void aClockReadingEarlierThanTheLastAddsNothing() {
        TokenBucket bucket = new TokenBucket(1, 1, 10 * SECOND);
        assertTrue(bucket.tryTake(1, 10 * SECOND));
        assertFalse(bucket.tryTake(1, 9 * SECOND), "an earlier reading (another thread's) is not a refill");
        assertFalse(bucket.tryTake(1, 10 * SECOND), "nor does it make the next reading count twice");
        assertEquals(10 * SECOND, bucket.lastNanos());
        assertTrue(bucket.tryTake(1, 11 * SECOND));
    }

    @Test
    void aZeroRateServesItsBurstOnlyAndANegativeOneIsRefused() {
        TokenBucket once = new TokenBucket(0, 1, 0);
        assertTrue(once.tryTake(1, 0));
        assertFalse(once.tryTake(1, 3600 * SECOND));
        assertEquals(Long.MAX_VALUE, once.nanosUntilAvailable(1, 3600 * SECOND));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(-1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.NaN, 1, 0));
    }
}
