package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.TurnEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TURN refusals (AUTH_FAILED, REJECTED) that name a session with no timeline, held a short while. Session events and
 * TURN events come on two topics, so a real session's first refusal can arrive before its join; when the session's
 * timeline is created within the hold, its refusals go into it. A refusal itself never creates a timeline: made-up
 * usernames cost only this bounded buffer (oldest session dropped first, a few refusals per session), never a place
 * among the timelines. Not thread-safe: {@link TimelineStore}'s lock guards it.
 */
final class HeldRefusals {

    /** Refusals kept per session: the last of them is the one a diagnosis names. */
    static final int MAX_PER_SESSION = 4;

    /** Told how many refusals left the hold without a timeline to go to. */
    interface DropListener {
        void dropped(int refusals);
    }

    private final int maxSessions;
    private final long holdMs;
    private final DropListener listener;
    /** Insertion order: the session whose first refusal came earliest comes first. */
    private final LinkedHashMap<String, Held> bySession = new LinkedHashMap<>();

    private static final class Held {
        final long sinceMs;
        final List<TurnEvent> refusals = new ArrayList<>(1);
        int overflow;

        Held(long sinceMs) {
            this.sinceMs = sinceMs;
        }
    }

    HeldRefusals(int maxSessions, long holdMs, DropListener listener) {
        this.maxSessions = maxSessions;
        this.holdMs = holdMs;
        this.listener = listener;
    }

    void hold(String sessionId, TurnEvent refusal, long nowMs) {
        expire(nowMs);
        Held held = bySession.get(sessionId);
        if (held == null) {
            if (bySession.size() >= maxSessions) {
                Iterator<Held> eldest = bySession.values().iterator();
                drop(eldest.next());
                eldest.remove();
            }
            held = new Held(nowMs);
            bySession.put(sessionId, held);
        }
        if (held.refusals.size() < MAX_PER_SESSION) {
            held.refusals.add(refusal);
        } else {
            held.overflow++;
        }
    }

    /** The session's held refusals, oldest first, removed from the hold (empty if none). */
    List<TurnEvent> take(String sessionId) {
        Held held = bySession.remove(sessionId);
        if (held == null) {
            return List.of();
        }
        if (held.overflow > 0) {
            listener.dropped(held.overflow);
        }
        return held.refusals;
    }

    /** Drops what has been held longer than the hold time. */
    void expire(long nowMs) {
        Iterator<Map.Entry<String, Held>> it = bySession.entrySet().iterator();
        while (it.hasNext()) {
            Held held = it.next().getValue();
            if (nowMs - held.sinceMs <= holdMs) {
                return;
            }
            drop(held);
            it.remove();
        }
    }

    int sessions() {
        return bySession.size();
    }

    private void drop(Held held) {
        listener.dropped(held.refusals.size() + held.overflow);
    }
}
