package io.icemesh.media.endpoint;

import io.icemesh.media.track.Track;

/**
 * The members of the room an endpoint joined, as the forwarding path sees them: a snapshot array that is replaced,
 * never changed, when someone joins or leaves, so that it is iterated without locking. The room registry implements
 * it; an endpoint knows its room only through this.
 */
public interface RoomMembers {

    /** The current members; do not modify. */
    Endpoint[] members();

    /** The member that publishes {@code track}, or null once it left. */
    default Endpoint publisherOf(Track track) {
        for (Endpoint e : members()) {
            if (e == track.publisher()) {
                return e;
            }
        }
        return null;
    }

    /**
     * The member whose track subscribers receive on this SSRC (media or RTX), or null: where their PLI, FIR and NACK
     * go. A simulcast track's SSRC is the SFU's, not any of its layers'.
     */
    default Endpoint publisherOfOutgoing(int ssrc) {
        for (Endpoint e : members()) {
            if (e.publications().outgoing(ssrc) != null) {
                return e;
            }
        }
        return null;
    }
}
