package io.icemesh.signaling.room;

import io.icemesh.signaling.auth.RoomMode;

/**
 * What the rest of signaling may know of a session in a room, as of one point in the log: who it is, where its
 * socket is ({@code instance} and {@code connection}, both null while it is away) and its {@code epoch}, which grows
 * with every resume so that a late {@code disconnected} or {@code expire} of an older socket is ignored.
 */
public record Member(String sessionId, String peerId, String subject, String room, RoomMode mode, String mediaNode,
        String resumeToken, long joinedAtMs, long epoch, String instance, String connection, boolean admitted) {

    public boolean attached() {
        return instance != null;
    }
}
