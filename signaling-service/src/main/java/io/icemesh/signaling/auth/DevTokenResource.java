package io.icemesh.signaling.auth;

import io.icemesh.signaling.config.SignalingConfig;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /api/dev/token}: mints a room token for local use (the web client calls it). It answers 404 unless
 * {@code icemesh.signaling.auth.dev-token-endpoint} is on, which only the dev, test and local profiles do: in
 * production an application backend mints tokens with the shared key.
 */
@Path("/api/dev/token")
public class DevTokenResource {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Request body. */
    public record TokenRequest(String room, String user, String mode) {
    }

    private final RoomTokens tokens;
    private final SignalingConfig config;

    DevTokenResource(RoomTokens tokens, SignalingConfig config) {
        this.tokens = tokens;
        this.config = config;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Response mint(TokenRequest request) {
        if (!config.auth().devTokenEndpoint()) {
            return error(Response.Status.NOT_FOUND, "the dev token endpoint is off in this profile");
        }
        if (request == null || request.room() == null || !NAME.matcher(request.room()).matches()) {
            return error(Response.Status.BAD_REQUEST, "room must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        String user = request.user() == null || request.user().isBlank() ? "guest" : request.user();
        if (!NAME.matcher(user).matches()) {
            return error(Response.Status.BAD_REQUEST, "user must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        RoomMode mode = request.mode() == null ? RoomMode.P2P : RoomMode.fromWire(request.mode());
        if (mode == null) {
            return error(Response.Status.BAD_REQUEST, "mode must be p2p or sfu");
        }
        String sessionId = UUID.randomUUID().toString();
        String token = tokens.mint(user, request.room(), mode, sessionId, config.auth().devTokenTtl());
        return Response.ok(Map.of("token", token, "sessionId", sessionId,
                "expiresIn", config.auth().devTokenTtl().toSeconds())).build();
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).entity(Map.of("error", status.getReasonPhrase(), "message", message))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
