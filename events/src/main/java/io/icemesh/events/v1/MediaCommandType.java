package io.icemesh.events.v1;

/** What signaling asks of media-service for one endpoint (one client in an SFU room). */
public enum MediaCommandType {
    /** Create the endpoint (ICE ufrag/pwd, DTLS) in the room; no SDP yet. */
    ALLOCATE,
    /** The client's SDP offer (what it publishes); media-service replies with ANSWER. */
    OFFER,
    /** The client's SDP answer to an offer media-service made (renegotiation). */
    ANSWER,
    /** The client wants an ICE restart; media-service replies with a new OFFER carrying new credentials. */
    ICE_RESTART,
    /** End the endpoint: its tracks leave the room. */
    END,
    /**
     * The subscriber asks for a simulcast layer ({@link MediaCommand#quality()}) of one forwarded track
     * ({@link MediaCommand#trackId()}) or of all of them; no reply unless it fails (ERROR).
     */
    SET_QUALITY,
    /**
     * Is the node alive and reading its commands? It replies {@link MediaReplyType#PONG} at once (endpoint and
     * room are names signaling picks, "ping" and "ping:" plus the node id; no endpoint is made).
     * Signaling's leader pings every node that holds rooms, so that a crashed node's rooms move within seconds.
     */
    PING
}
