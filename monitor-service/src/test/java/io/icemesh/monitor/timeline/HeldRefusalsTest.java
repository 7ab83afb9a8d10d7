package io.icemesh.monitor.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.events.v1.TurnEventType;
import org.junit.jupiter.api.Test;

class HeldRefusalsTest {

    private int dropped;
    private final HeldRefusals held = new HeldRefusals(2, 1000, n -> dropped += n);

    @Test
    void keepsAFewRefusalsPerSessionAndCountsTheRest() {
        for (int i = 0; i < HeldRefusals.MAX_PER_SESSION + 3; i++) {
            held.hold("s", TurnEvents.of(TurnEventType.AUTH_FAILED, "s", "bad_integrity " + i), i);
        }
        assertEquals(HeldRefusals.MAX_PER_SESSION, held.take("s").size());
        assertEquals(3, dropped, "the refusals past the per-session bound are counted when the session is taken");
        assertEquals(0, held.sessions());
    }

    @Test
    void dropsTheLongestHeldSessionWhenFull() {
        held.hold("a", TurnEvents.of(TurnEventType.AUTH_FAILED, "a", null), 0);
        held.hold("a", TurnEvents.of(TurnEventType.AUTH_FAILED, "a", null), 1);
        held.hold("b", TurnEvents.of(TurnEventType.REJECTED, "b", null), 2);
        held.hold("c", TurnEvents.of(TurnEventType.AUTH_FAILED, "c", null), 3);
        assertEquals(2, held.sessions());
        assertEquals(2, dropped, "a's two refusals went when c came");
        assertEquals(0, held.take("a").size());
        assertEquals(1, held.take("b").size());
    }

    @Test
    void expiresWhatWasHeldLongerThanTheHold() {
        held.hold("a", TurnEvents.of(TurnEventType.AUTH_FAILED, "a", null), 0);
        held.hold("b", TurnEvents.of(TurnEventType.AUTH_FAILED, "b", null), 600);
        held.expire(1000);
        assertEquals(2, held.sessions(), "held exactly the hold time: still there");
        held.expire(1001);
        assertEquals(1, held.sessions());
        assertEquals(1, dropped);
        assertEquals(1, held.take("b").size());
    }
}
