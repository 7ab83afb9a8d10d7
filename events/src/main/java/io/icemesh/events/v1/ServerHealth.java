package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * monitor-service's probe result for one ICE server on the compacted {@link Topics#SERVER_HEALTH} topic,
 * keyed by the server URL.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param url the ICE server URL (stun:host:port, turn:host:port?transport=udp, ...)
 * @param healthy whether signaling may hand the server out
 * @param rttP50Ms median probe round trip, null when no answer was seen
 * @param rttP95Ms 95th percentile probe round trip, null when no answer was seen
 * @param lossRatio share of probes unanswered in the window, 0..1
 * @param detail a short reason, e.g. "no answer to 5 probes" or "TURN answered 401"
 * @param checkedAtMs epoch milliseconds of the last probe
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServerHealth(
        int schemaVersion,
        String url,
        boolean healthy,
        Double rttP50Ms,
        Double rttP95Ms,
        double lossRatio,
        String detail,
        long checkedAtMs) {
}
