package io.icemesh.monitor.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.TurnEventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineStoreTest {

    private static final long HOLD_MS = 500;

    private final List<String> evictions = new ArrayList<>();
    private final int[] refusalsDropped = new int[1];
    private final TimelineStore store = new TimelineStore(2, 3, 1000,
            (cause, count) -> evictions.add(cause + "x" + count),
            new HeldRefusals(100, HOLD_MS, n -> refusalsDropped[0] += n));

    @Test
    void evictsTheLeastRecentlyUpdatedWhenFull() {
        store.apply(event("a"), 1);
        store.apply(event("b"), 2);
        store.apply(event("a"), 3);
        store.apply(event("c"), 4);
        assertTrue(store.view("b").isEmpty(), "b was updated least recently");
        assertTrue(store.view("a").isPresent());
        assertTrue(store.view("c").isPresent());
        assertEquals(List.of("CAPACITYx1"), evictions);
        assertEquals(List.of("c", "a"), store.recent(10).stream().map(TimelineView::sessionId).toList());
    }

    @Test
    void expiresTimelinesOlderThanTheMaximumAge() {
        store.apply(event("old"), 1000);
        store.apply(event("new"), 1900);
        assertEquals(0, store.expire(2000));
        assertEquals(1, store.expire(2001));
        assertTrue(store.view("old").isEmpty());
        assertTrue(store.view("new").isPresent());
        assertEquals(List.of("AGEx1"), evictions);
    }

    @Test
    void boundsTheEntriesOfOneTimeline() {
        for (int i = 0; i < 5; i++) {
            store.apply(event("chatty"), i);
        }
        TimelineView v = store.view("chatty").orElseThrow();
        assertEquals(3, v.entries().size());
        assertEquals(2, v.entriesDropped());
    }

    @Test
    void threeHundredAuthFailuresWithMadeUpSessionsMakeNoTimelineAndPushOutNoSession() {
        store.apply(event("real-1"), 1);
        store.apply(event("real-2"), 2);
        for (int i = 0; i < 300; i++) {
            String made = String.format("fake-session-%04d", i);
            assertEquals(TimelineStore.TurnApplied.HELD,
                    store.apply(made, TurnEvents.of(TurnEventType.AUTH_FAILED, made, "bad_integrity"), 10 + i));
        }
        assertEquals(2, store.size(), "only the two real sessions have timelines");
        assertEquals(List.of("real-2", "real-1"), store.recent(10).stream().map(TimelineView::sessionId).toList());
        assertEquals(List.of(), evictions, "no real session was pushed out");
        assertEquals(100, store.heldSessions(), "the hold keeps at most its 100 sessions");
        assertEquals(200, refusalsDropped[0], "the 200 pushed out of the hold are counted at once");
        store.expire(10 + 299 + HOLD_MS + 1);
        assertEquals(0, store.heldSessions());
        assertEquals(300, refusalsDropped[0], "every refusal is counted once it is dropped");
    }

    @Test
    void anAuthenticatedAllocationMakesATimelineThatIsUnjoinedUntilTheSessionJoins() {
        assertEquals(TimelineStore.TurnApplied.TIMELINE,
                store.apply("s-alloc", TurnEvents.of(TurnEventType.ALLOCATION_CREATED, "s-alloc", null), 1));
        TimelineView v = store.view("s-alloc").orElseThrow();
        assertEquals("unjoined", v.status(), "credentials in use without a join are not a session connecting");
        assertEquals(1, v.turnAllocations());
        store.apply(SessionEvent.builder(SessionEventType.PEER_JOINED, "s-alloc", EventSource.SIGNALING)
                .timestampMs(2).build(), 2);
        assertEquals("connecting", store.view("s-alloc").orElseThrow().status());
    }

    @Test
    void aRefusalJoinsTheTimelineOfASessionThatHasOne() {
        store.apply(event("s-known"), 1);
        assertEquals(TimelineStore.TurnApplied.TIMELINE,
                store.apply("s-known", TurnEvents.of(TurnEventType.REJECTED, "s-known", "user_quota"), 2));
        assertEquals(List.of(new TimelineView.TurnFailure("REJECTED", "user_quota")),
                store.view("s-known").orElseThrow().turnFailures());
    }

    @Test
    void aRefusalThatArrivesBeforeItsSessionJoinsTheTimelineWhenTheSessionAppears() {
        store.apply("s-late", TurnEvents.of(TurnEventType.AUTH_FAILED, "s-late", "bad_integrity"), 1);
        assertTrue(store.view("s-late").isEmpty(), "a refusal alone makes no timeline");
        store.apply(event("s-late"), 1 + HOLD_MS);
        TimelineView v = store.view("s-late").orElseThrow();
        assertEquals(List.of(new TimelineView.TurnFailure("AUTH_FAILED", "bad_integrity")), v.turnFailures());
        assertEquals(List.of("auth_failed", "candidate_gathered"), v.entries().stream().map(TimelineView.Entry::type)
                .toList());
        assertEquals(0, refusalsDropped[0]);
        assertEquals(0, store.heldSessions());
    }

    @Test
    void aRefusalHeldLongerThanTheHoldJoinsNothing() {
        store.apply("s-gone", TurnEvents.of(TurnEventType.AUTH_FAILED, "s-gone", "expired"), 1);
        store.expire(2 + HOLD_MS);
        store.apply(event("s-gone"), 3 + HOLD_MS);
        assertEquals(List.of(), store.view("s-gone").orElseThrow().turnFailures());
        assertEquals(1, refusalsDropped[0]);
    }

    @Test
    void aSessionThatWentQuietBeforeConnectingEndsAsAbandoned() {
        long after = 120_000;
        store.apply(event("quiet"), 1);
        store.apply("turn-only", TurnEvents.of(TurnEventType.ALLOCATION_CREATED, "turn-only", null), 1);
        assertEquals(0, store.abandonIdle(1 + after, after), "not idle for longer than the limit yet");
        assertEquals("connecting", store.view("quiet").orElseThrow().status());
        assertEquals(1, store.abandonIdle(2 + after, after), "the joined session counts as an abandoned outcome");
        assertEquals("abandoned", store.view("quiet").orElseThrow().status());
        assertEquals("abandoned", store.view("turn-only").orElseThrow().status(),
                "credentials used without a join end the same way, not counted as a call");
        assertEquals(0, store.abandonIdle(3 + after, after), "a session is abandoned once");
    }

    private static SessionEvent event(String session) {
        return SessionEvent.builder(SessionEventType.CANDIDATE_GATHERED, session, EventSource.CLIENT)
                .candidateType("host").protocol("udp").timestampMs(0).build();
    }
}
