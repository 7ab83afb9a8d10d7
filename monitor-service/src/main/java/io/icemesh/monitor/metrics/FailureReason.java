package io.icemesh.monitor.metrics;

import java.util.List;
import java.util.Locale;

/**
 * The fixed set of failure reasons used as a metric label. Free-text reasons from clients, signaling and
 * media-service are mapped onto it by keywords, first match wins, so the label never grows with the input.
 */
public enum FailureReason {
    /** TURN refused the credentials (401 Unauthorized, 438 Stale Nonce, expired TURN REST credential). */
    TURN_AUTH(List.of("401", "438", "unauthori", "auth", "credential", "stale nonce")),
    /** TURN refused by policy (403 Forbidden, 486 Allocation Quota Reached, 508 Insufficient Capacity). */
    TURN_REJECTED(List.of("403", "486", "508", "quota", "forbidden", "capacity", "rejected")),
    /** The DTLS handshake failed after ICE connected. */
    DTLS_FAILED(List.of("dtls", "handshake", "certificate", "fingerprint")),
    /** Gathering never finished or produced nothing usable. */
    GATHERING_TIMEOUT(List.of("gathering")),
    /** No candidate pair could even be formed. */
    NO_CANDIDATES(List.of("no candidate", "no candidates")),
    /** Connected, but no media arrived in time. */
    MEDIA_TIMEOUT(List.of("media", "rtp", "frame")),
    /** Signaling broke down (socket closed, offer or answer missing). */
    SIGNALING(List.of("signaling", "websocket", "sdp", "offer", "answer")),
    /** ICE connectivity checks failed (the ICE connection state went to failed). */
    ICE_FAILED(List.of("ice", "connectivity", "check", "timeout", "timed out")),
    /** Anything else. */
    OTHER(List.of());

    private final List<String> keywords;

    FailureReason(List<String> keywords) {
        this.keywords = keywords;
    }

    /** The metric label, e.g. {@code turn_auth}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Maps a free-text reason; a missing reason is an ICE failure (the state machine said failed). */
    public static FailureReason classify(String text) {
        if (text == null || text.isBlank()) {
            return ICE_FAILED;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        for (FailureReason r : values()) {
            for (String k : r.keywords) {
                if (lower.contains(k)) {
                    return r;
                }
            }
        }
        return OTHER;
    }
}
