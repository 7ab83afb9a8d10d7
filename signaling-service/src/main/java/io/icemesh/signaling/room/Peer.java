package io.icemesh.signaling.room;

import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A peer in a room: one signaling session over one WebSocket connection.
 *
 * @param peerId the peer's id within its room, shown to the other peers
 * @param sessionId the session id (ties client reports, TURN usernames and events together)
 * @param room the room's name
 * @param connection the peer's socket
 */
public record Peer(String peerId, String sessionId, String room, WebSocketConnection connection) {
}
