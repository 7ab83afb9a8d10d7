package io.icemesh.signaling;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session ids of this instance's boot warm-up calls ({@link SignalingWarmUp}): what they do is not news for
 * anyone, so their session events are not published and their joins and leaves are not logged. Kept for the process's
 * life (a few hundred short strings), because a warm-up session's last event (its leave) is applied after its call.
 */
@ApplicationScoped
public class WarmUpSessions {

    private final Set<String> ids = ConcurrentHashMap.newKeySet();

    void add(String sessionId) {
        ids.add(sessionId);
    }

    /** Whether this session is one of the warm-up's. */
    public boolean contains(String sessionId) {
        return sessionId != null && !ids.isEmpty() && ids.contains(sessionId);
    }
}
