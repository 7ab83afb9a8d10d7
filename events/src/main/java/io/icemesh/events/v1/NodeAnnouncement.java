package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A turn or media node's announcement on the compacted {@link Topics#NODES} topic, keyed by node id, or signaling's
 * list of configured ICE servers ({@link NodeKind#SIGNALING}). A node re-announces periodically; a tombstone (null
 * value) or {@code draining} takes it out of new placements.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param nodeId stable node id
 * @param kind turn, media or signaling
 * @param publicAddress the address clients reach the node at (none for signaling)
 * @param iceUrls the ICE server URLs the node serves (turn nodes: stun:, turn:, turns:), or signaling hands out
 * @param capacity how many allocations or endpoints the node takes
 * @param load how many it has now
 * @param draining true while the node shuts down gracefully
 * @param timestampMs epoch milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeAnnouncement(
        int schemaVersion,
        String nodeId,
        NodeKind kind,
        String publicAddress,
        List<String> iceUrls,
        int capacity,
        int load,
        boolean draining,
        long timestampMs) {
}
