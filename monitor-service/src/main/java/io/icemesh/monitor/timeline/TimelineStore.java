package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.monitor.metrics.FailureReason;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recent timelines, bounded in count and age. Ordered by last update: when full, the least recently updated
 * timeline is evicted; {@link #expire(long)} drops those not updated within the maximum age. A timeline is created
 * by a session event or an authenticated TURN event only; a TURN refusal joins an existing timeline or waits in
 * {@link HeldRefusals} for one. One lock guards the map, the timelines in it and the held refusals; each operation
 * under it is a few map and list operations.
 */
final class TimelineStore {

    /** Why a timeline left the store. */
    enum Eviction { CAPACITY, AGE }

    /** Told about every eviction. */
    interface EvictionListener {
        void evicted(Eviction cause, int count);
    }

    /** Where a TURN event went. */
    enum TurnApplied {
        /** Into the session's timeline (created for it if the event proves an authenticated allocation). */
        TIMELINE,
        /** A refusal for a session with no timeline: held for a while, never a timeline of its own. */
        HELD
    }

    private final int maxSessions;
    private final int maxEntries;
    private final long maxAgeMs;
    private final EvictionListener listener;
    private final HeldRefusals held;
    private final LinkedHashMap<String, Timeline> bySession = new LinkedHashMap<>(16, 0.75f, false);

    TimelineStore(int maxSessions, int maxEntries, long maxAgeMs, EvictionListener listener, HeldRefusals held) {
        this.maxSessions = maxSessions;
        this.maxEntries = maxEntries;
        this.maxAgeMs = maxAgeMs;
        this.listener = listener;
        this.held = held;
    }

    /** The timeline result of applying one session event: milestones reached and the failure reason if failed. */
    record Applied(List<Milestone> milestones, FailureReason failureReason) {
    }

    Applied apply(SessionEvent event, long nowMs) {
        synchronized (bySession) {
            Timeline t = touch(event.sessionId(), nowMs);
            List<Milestone> reached = t.apply(event, nowMs);
            return new Applied(reached, t.failureReason());
        }
    }

    /**
     * Applies a TURN event of the session. A refusal (AUTH_FAILED, REJECTED) only joins a timeline that exists: its
     * username is whatever the client sent, so it proves no session. Any other event comes from an allocation that
     * authenticated with credentials signaling minted, and creates the session's timeline if need be.
     */
    TurnApplied apply(String sessionId, TurnEvent event, long nowMs) {
        synchronized (bySession) {
            if (isRefusal(event) && !bySession.containsKey(sessionId)) {
                held.hold(sessionId, event, nowMs);
                return TurnApplied.HELD;
            }
            touch(sessionId, nowMs).apply(event, nowMs);
            return TurnApplied.TIMELINE;
        }
    }

    static boolean isRefusal(TurnEvent event) {
        return event.type() == TurnEventType.AUTH_FAILED || event.type() == TurnEventType.REJECTED;
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

    /** Sessions with refusals held for a timeline that does not exist (yet). */
    int heldSessions() {
        synchronized (bySession) {
            return held.sessions();
        }
    }

    /**
     * Ends as abandoned the sessions idle for {@code afterMs} that never connected, failed or closed; returns how many
     * of them had joined.
     */
    int abandonIdle(long nowMs, long afterMs) {
        int abandoned = 0;
        synchronized (bySession) {
            for (Timeline t : bySession.values()) {
                if (t.abandonIfIdle(nowMs, afterMs)) {
                    abandoned++;
                }
            }
        }
        return abandoned;
    }

    /** Drops timelines not updated since {@code nowMs - maxAge}, and refusals held too long; returns the timelines. */
    int expire(long nowMs) {
        int dropped = 0;
        synchronized (bySession) {
            held.expire(nowMs);
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

    /**
     * The session's timeline, moved to the most recently updated end; a new one starts with the refusals held for
     * its session.
     */
    private Timeline touch(String sessionId, long nowMs) {
        Timeline t = bySession.remove(sessionId);
        if (t == null) {
            t = new Timeline(sessionId, maxEntries);
            for (TurnEvent refusal : held.take(sessionId)) {
                t.apply(refusal, nowMs);
            }
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
