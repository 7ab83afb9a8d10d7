package io.icemesh.events.v1;

/** Kinds of node that announce themselves on {@link Topics#NODES}. */
public enum NodeKind {
    /** A turn-service node: {@code iceUrls} are the STUN and TURN URLs it serves; load is its allocations. */
    TURN,
    /** A media-service node: load is its endpoints; SFU rooms are placed on it. */
    MEDIA,
    /**
     * The ICE servers signaling is configured to hand out ({@code iceUrls}, without credentials), so that monitor
     * probes them; keyed by a digest of the list, so every signaling instance with the same list writes one record.
     * No capacity or load: nothing is placed on it, and signaling's own lists do not read it.
     */
    SIGNALING
}
