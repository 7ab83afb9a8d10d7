package io.icemesh.signaling.ice;

import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.auth.RoomTokens;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /api/ice-servers}: the ICE servers an authenticated session should use, best first, with TURN REST
 * credentials. The caller shows its room token as {@code Authorization: Bearer <token>}; without a valid one it
 * gets 401 and no credentials.
 */
@Path("/api/ice-servers")
public class IceServersResource {

    private final RoomTokens tokens;
    private final IceServerDirectory directory;

    IceServersResource(RoomTokens tokens, IceServerDirectory directory) {
        this.tokens = tokens;
        this.directory = directory;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response get(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return unauthorized("send the room token as Authorization: Bearer <token>");
        }
        RoomToken token;
        try {
            token = tokens.verify(authorization.substring(7).trim());
        } catch (RoomTokens.InvalidTokenException e) {
            return unauthorized(e.getMessage());
        }
        String sessionId = token.sessionId() != null ? token.sessionId() : UUID.randomUUID().toString();
        IceServerDirectory.IceServerList list = directory.listFor(sessionId);
        return Response.ok(Map.of("iceServers", list.iceServers(), "ttl", list.ttlSeconds(),
                "expiresAt", list.expiresAt().toString(), "sessionId", sessionId))
                .header("Cache-Control", "no-store").build();
    }

    private static Response unauthorized(String reason) {
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"icemesh\"")
                .entity(Map.of("error", "unauthorized", "message", reason))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
