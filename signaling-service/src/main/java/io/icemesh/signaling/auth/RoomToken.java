package io.icemesh.signaling.auth;

import java.time.Instant;

/**
 * The verified claims of a room token.
 *
 * @param subject who the token was issued to ({@code sub})
 * @param room the room it admits to ({@code room})
 * @param mode the room's mode ({@code mode}: p2p, or sfu for rooms served by media-service)
 * @param sessionId the session id chosen by the issuer ({@code sid}), or null to let signaling pick one
 * @param expiresAt when the token stops being accepted ({@code exp})
 */
public record RoomToken(String subject, String room, RoomMode mode, String sessionId, Instant expiresAt) {
}
