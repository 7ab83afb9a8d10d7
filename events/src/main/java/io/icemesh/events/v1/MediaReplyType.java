package io.icemesh.events.v1;

/** What media-service tells signaling about one endpoint. */
public enum MediaReplyType {
    /** The endpoint exists on this node. */
    ALLOCATED,
    /** media-service's SDP answer to the client's offer. */
    ANSWER,
    /** media-service's own SDP offer (tracks added or removed, or an ICE restart); the client answers. */
    OFFER,
    /** The endpoint ended (on request, or because ICE or DTLS failed: reason). */
    ENDED,
    /** A command could not be carried out (reason). */
    ERROR,
    /** The answer to a {@link MediaCommandType#PING}. */
    PONG
}
