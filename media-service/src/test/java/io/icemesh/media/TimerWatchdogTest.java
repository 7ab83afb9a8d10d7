package io.icemesh.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimerWatchdogTest {

    /**
     * A timer thread that beats, then blocks: nothing is said while it is merely late; past five seconds the watchdog
     * says once where that thread is stuck, and once that it runs again after its next beat.
     */
    @Test
    void aStuckTimerThreadIsReportedOnceWithWhereItIsAndItsReturnOnce() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        TimerWatchdog watchdog = new TimerWatchdog(now::get);
        CountDownLatch beaten = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread timer = new Thread(() -> {
            watchdog.beat();
            beaten.countDown();
            stuckHere(release);
            watchdog.beat();
        }, "media-timers");
        timer.start();
        beaten.await();
        // Blocked in stuckHere (the only place it waits), so that its stack names it.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> timer.getState() == Thread.State.WAITING);
        assertNull(watchdog.check(), "on time");
        now.addAndGet(4_000_000_000L);
        assertNull(watchdog.check(), "late, not stuck");
        now.addAndGet(2_000_000_000L);
        String stall = watchdog.check();
        assertTrue(stall != null && stall.contains("has not run for 6000 ms") && stall.contains("stuckHere"),
                "the stall and where the thread is: " + stall);
        now.addAndGet(1_000_000_000L);
        assertNull(watchdog.check(), "said once per stall");
        assertEquals(7000, watchdog.lagMillis());
        release.countDown();
        timer.join();
        String back = watchdog.check();
        assertTrue(back != null && back.contains("runs again"), back);
        assertNull(watchdog.check());
    }

    private static void stuckHere(CountDownLatch release) {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
