package io.icemesh.events.v1;

/** What happened in a session's ICE timeline. */
public enum SessionEventType {
    /** A peer joined a room on signaling. */
    PEER_JOINED,
    /** A peer left a room (or its socket closed for good). */
    PEER_LEFT,
    /** Signaling relayed an SDP offer. */
    OFFER_RELAYED,
    /** Signaling relayed an SDP answer. */
    ANSWER_RELAYED,
    /** The client started ICE gathering. */
    GATHERING_STARTED,
    /** The client gathered a candidate (type, protocol, server URL, elapsed ms). */
    CANDIDATE_GATHERED,
    /** The client finished ICE gathering. */
    GATHERING_COMPLETE,
    /** The ICE connection state changed (state). */
    ICE_STATE_CHANGED,
    /** A candidate pair was selected (local and remote type, protocol, RTT). */
    SELECTED_PAIR,
    /** The first media frame or packet arrived. */
    FIRST_MEDIA,
    /** The session failed (reason). */
    FAILED,
    /** The session ended. */
    CLOSED,
    /** The session's SFU room moved to another media node (media node: the new one; reason: why, in plain words). */
    MEDIA_MOVED
}
