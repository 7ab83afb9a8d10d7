package io.icemesh.media.forward;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A concurrent set of pending work (tracks with a key frame request held back) that one thread passes over from time
 * to time while others add to it. A pass visits each element that was in the set when it began exactly once.
 *
 * <p>Why not iterate the set itself: a pass takes each element out before looking at it and puts back those still
 * pending. A {@link ConcurrentHashMap} iterator is weakly consistent, and an element put back lands at the end of its
 * bin's chain, which the iterator has not passed yet: with two pending elements in one bin, the iterator visits them
 * in turn for ever. On the node's single timer thread that stopped consent checks, RTCP reports, key frame requests
 * and the idle sweep until the publisher left (mesh tests: endpoints ended {@code consent-expired} while their media
 * flowed).
 */
final class OnePassSet<T> {

    private final Set<T> set = ConcurrentHashMap.newKeySet();

    /** Adds the element (at once visible to a pass that begins later). */
    void add(T element) {
        set.add(element);
    }

    boolean contains(T element) {
        return set.contains(element);
    }

    int size() {
        return set.size();
    }

    /**
     * Visits each element present now, once: takes it out of the set, then puts it back if {@code stillPending} says
     * so. An element another thread adds while the pass runs (or adds back after the pass took it out) stays for the
     * next pass, so none is lost between a look and its removal.
     */
    void pass(Predicate<T> stillPending) {
        if (set.isEmpty()) {
            return;
        }
        @SuppressWarnings("unchecked")
        T[] now = (T[]) set.toArray();
        for (T element : now) {
            set.remove(element);
            if (stillPending.test(element)) {
                set.add(element);
            }
        }
    }
}
