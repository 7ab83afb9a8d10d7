package io.icemesh.media.control;

import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.ice.IceSession;
import io.icemesh.media.room.Rooms;

/**
 * What the command consumer needs of the node: its rooms, and the ICE timers a command starts. The node implements
 * it, so that control depends on the rooms and not on the whole node.
 */
public interface CommandTarget {

    Rooms rooms();

    /** Ends the endpoint if ICE has not completed by the configured timeout. */
    void watchIceTimeout(Endpoint e);

    /** Fails the endpoint if its restarted agent has not connected within the connect timeout. */
    void watchIceRestartTimeout(Endpoint e, IceSession restarting);
}
