package io.icemesh.monitor.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineStoreTest {

    private final List<String> evictions = new ArrayList<>();
    private final TimelineStore store = new TimelineStore(2, 3, 1000,
            (cause, count) -> evictions.add(cause + "x" + count));

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

    private static SessionEvent event(String session) {
        return SessionEvent.builder(SessionEventType.CANDIDATE_GATHERED, session, EventSource.CLIENT)
                .candidateType("host").protocol("udp").timestampMs(0).build();
    }
}
