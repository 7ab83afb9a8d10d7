package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.monitor.metrics.FailureReason;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recent timelines, bounded in count and age. Ordered by last update: when full, the least recently updated
 * timeline is evicted; {@link #expire(long)} drops those not updated within the maximum age. One lock guards the
 * map and the timelines in it; each operation under it is a few map and list operations.
 */
final class TimelineStore {

    /** Why a timeline left the store. */
    enum Eviction { CAPACITY, AGE }

    /** Told about every eviction. */
    interface EvictionListener {
        void evicted(Eviction cause, int count);
    }

    private final int maxSessions;
    private final int maxEntries;
    private final long maxAgeMs;
    private final EvictionListener listener;
    private final LinkedHashMap<String, Timeline> bySession = new LinkedHashMap<>(16, 0.75f, false);

    TimelineStore(int maxSessions, int maxEntries, long maxAgeMs, EvictionListener listener) {
        this.maxSessions = maxSessions;
        this.maxEntries = maxEntries;
        this.maxAgeMs = maxAgeMs;
        this.listener = listener;
    }

    /** The timeline result of applying one session event: milestones reached and the failure reason if failed. */
    record Applied(List<Milestone> milestones, FailureReason failureReason) {
    }

    Applied apply(SessionEvent event, long nowMs) {
        synchronized (bySession) {
            Timeline t = touch(event.sessionId());
            List<Milestone> reached = t.apply(event, nowMs);
            return new Applied(reached, t.failureReason());
        }
    }

    void apply(String sessionId, TurnEvent event, long nowMs) {
        synchronized (bySession) {
            touch(sessionId).apply(event, nowMs);
        }
    }

    Optional<TimelineView> view(String sessionId) {
        synchronized (bySession) {
            Timeline t = bySession.get(sessionId);
            return t == null ? Optional.empty() : Optional.of(t.view());
        }
    }

    /** Up to {@code limit} timelines, most recently updated first. */
    List<TimelineView> recent(int limit) {
        synchronized (bySession) {
            List<Timeline> all = new ArrayList<>(bySession.values());
            List<TimelineView> out = new ArrayList<>(Math.min(limit, all.size()));
            for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
                out.add(all.get(i).view());
            }
            return out;
        }
    }

    int size() {
        synchronized (bySession) {
            return bySession.size();
        }
    }

    /** Drops timelines not updated since {@code nowMs - maxAge}; returns how many. */
    int expire(long nowMs) {
        int dropped = 0;
        synchronized (bySession) {
            Iterator<Timeline> it = bySession.values().iterator();
            // insertion order is update order, so the oldest come first
            while (it.hasNext()) {
                if (nowMs - it.next().lastUpdateMs() <= maxAgeMs) {
                    break;
                }
                it.remove();
                dropped++;
            }
        }
        if (dropped > 0) {
            listener.evicted(Eviction.AGE, dropped);
        }
        return dropped;
    }

    /** The session's timeline, created if new, moved to the most recently updated end. */
    private Timeline touch(String sessionId) {
        Timeline t = bySession.remove(sessionId);
        if (t == null) {
            t = new Timeline(sessionId, maxEntries);
            if (bySession.size() >= maxSessions) {
                Iterator<Map.Entry<String, Timeline>> eldest = bySession.entrySet().iterator();
                eldest.next();
                eldest.remove();
                listener.evicted(Eviction.CAPACITY, 1);
            }
        }
        bySession.put(sessionId, t);
        return t;
    }
}
