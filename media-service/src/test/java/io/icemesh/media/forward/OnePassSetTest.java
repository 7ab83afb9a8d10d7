package io.icemesh.media.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class OnePassSetTest {

    /**
     * Many elements that all stay pending (so many share a bin of the underlying hash table): the pass ends, having
     * looked at each once, and leaves them all in the set. Iterating the set while taking elements out and putting
     * them back never ends in that case (shown below on a plain concurrent set, bounded so that the test ends).
     */
    @Test
    void aPassOverElementsThatStayPendingVisitsEachOnceAndEnds() {
        OnePassSet<Object> set = new OnePassSet<>();
        Object[] elements = new Object[200];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = new Object();
            set.add(elements[i]);
        }
        Map<Object, Integer> visits = new HashMap<>();
        set.pass(e -> {
            visits.merge(e, 1, Integer::sum);
            return true;
        });
        assertEquals(elements.length, visits.size());
        assertTrue(visits.values().stream().allMatch(v -> v == 1), "each visited once: " + visits.values());
        assertEquals(elements.length, set.size());

        // What the pass replaced: the same take-out-and-put-back over the set's own iterator revisits elements.
        Set<Object> plain = ConcurrentHashMap.newKeySet();
        for (Object e : elements) {
            plain.add(e);
        }
        long looks = 0;
        for (Object e : plain) {
            plain.remove(e);
            plain.add(e);
            if (++looks > 100 * elements.length) {
                break;
            }
        }
        assertTrue(looks > elements.length, "the plain iteration revisits elements put back: " + looks + " looks");
    }

    @Test
    void elementsNoLongerPendingLeaveAndOnesAddedDuringAPassWaitForTheNext() {
        OnePassSet<String> set = new OnePassSet<>();
        set.add("a");
        set.add("b");
        Map<String, Integer> visits = new HashMap<>();
        set.pass(e -> {
            visits.merge(e, 1, Integer::sum);
            set.add("late"); // another thread's request, deferred while the pass runs
            return e.equals("a");
        });
        assertEquals(Map.of("a", 1, "b", 1), visits);
        assertTrue(set.contains("a"), "still pending");
        assertFalse(set.contains("b"), "done");
        assertTrue(set.contains("late"), "kept for the next pass");
        visits.clear();
        set.pass(e -> {
            visits.merge(e, 1, Integer::sum);
            return false;
        });
        assertEquals(Map.of("a", 1, "late", 1), visits);
        assertEquals(0, set.size());
    }
}
