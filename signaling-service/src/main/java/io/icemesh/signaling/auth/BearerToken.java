package io.icemesh.signaling.auth;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * A room token shown as {@code Authorization: Bearer <token>} on an HTTP API, verified; and the 401 those APIs answer
 * without a valid one.
 *
 * @param raw   the token as sent
 * @param token its verified claims
 */
public record BearerToken(String raw, RoomToken token) {

    /** Reads and verifies the header; the exception's message says what is wrong, for the 401. */
    public static BearerToken verify(String authorization, RoomTokens tokens) throws RoomTokens.InvalidTokenException {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new RoomTokens.InvalidTokenException("send the room token as Authorization: Bearer <token>");
        }
        String raw = authorization.substring(7).trim();
        return new BearerToken(raw, tokens.verify(raw));
    }

    /** 401 with {@code WWW-Authenticate} and {@code {"error":"unauthorized","message":reason}}. */
    public static Response unauthorized(String reason) {
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"icemesh\"")
                .entity(Map.of("error", "unauthorized", "message", reason))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
