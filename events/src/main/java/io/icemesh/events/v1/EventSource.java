package io.icemesh.events.v1;

/** Who observed a session event. */
public enum EventSource {
    /** Signaling itself (joins, leaves, relayed SDP). */
    SIGNALING,
    /** A client's own report, validated and forwarded by signaling. */
    CLIENT,
    /** media-service (server side of an SFU session). */
    MEDIA
}
