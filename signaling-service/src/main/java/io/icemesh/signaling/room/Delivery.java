package io.icemesh.signaling.room;

/**
 * A numbered message for a session, with where its socket was when the record was applied. The instance named
 * {@code instance} sends it to {@code connection}; every instance keeps it in the session's replay buffer.
 */
public record Delivery(String sessionId, String instance, String connection, String text) {
}
