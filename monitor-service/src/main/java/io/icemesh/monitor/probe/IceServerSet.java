package io.icemesh.monitor.probe;

import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ICE server URLs to probe: the configured ones, then those announced on {@code icemesh.nodes} by turn and media
 * nodes and by signaling (kind SIGNALING: the servers it is configured to hand out), so every server signaling may
 * hand out is probed whatever monitor's own list holds. An announcement's URLs replace that node's earlier ones, and
 * leave the set when it sends a tombstone or has not announced within the TTL. Thread-safe.
 */
final class IceServerSet {

    private record Announced(List<String> urls, long seenAtMs) {
    }

    private final List<String> configured;
    private final long ttlMs;
    private final Map<String, Announced> byNode = new LinkedHashMap<>();

    IceServerSet(List<String> configured, long ttlMs) {
        this.configured = List.copyOf(configured);
        this.ttlMs = ttlMs;
    }

    synchronized void announce(String nodeId, List<String> urls, long nowMs) {
        byNode.put(nodeId, new Announced(urls == null ? List.of() : List.copyOf(urls), nowMs));
    }

    synchronized void withdraw(String nodeId) {
        byNode.remove(nodeId);
    }

    /** The current URLs, configured first, without nodes silent for longer than the TTL. */
    synchronized Set<String> current(long nowMs) {
        Set<String> urls = new LinkedHashSet<>(configured);
        Iterator<Announced> it = byNode.values().iterator();
        while (it.hasNext()) {
            Announced a = it.next();
            if (nowMs - a.seenAtMs() > ttlMs) {
                it.remove();
            } else {
                urls.addAll(a.urls());
            }
        }
        return urls;
    }
}
