package io.icemesh.signaling.ice;

import io.icemesh.signaling.auth.BearerToken;
import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.limit.SessionAndSourceBudgets;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /api/ice-servers}: the ICE servers an authenticated session should use, best first, with TURN REST
 * credentials. The caller shows its room token as {@code Authorization: Bearer <token>}; without a valid one it
 * gets 401 and no credentials. Each session and each client address has a budget of requests
 * ({@link IceServersRateLimit}); past it the answer is 429 with Retry-After and no credentials.
 */
@Path("/api/ice-servers")
public class IceServersResource {

    /** RFC 6585 section 4. */
    private static final int TOO_MANY_REQUESTS = 429;

    private final RoomTokens tokens;
    private final IceServerDirectory directory;
    private final IceServersRateLimit limit;

    IceServersResource(RoomTokens tokens, IceServerDirectory directory, IceServersRateLimit limit) {
        this.tokens = tokens;
        this.directory = directory;
        this.limit = limit;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response get(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest request) {
        BearerToken bearer;
        try {
            bearer = BearerToken.verify(authorization, tokens);
        } catch (RoomTokens.InvalidTokenException e) {
            return BearerToken.unauthorized(e.getMessage());
        }
        RoomToken token = bearer.token();
        String raw = bearer.raw();
        SocketAddress remote = request.remoteAddress();
        Optional<SessionAndSourceBudgets.Refusal> refusal = limit.acquire(IceServersRateLimit.sessionKey(token, raw),
                IceServersRateLimit.sourceKey(remote == null ? null : remote.hostAddress()), System.nanoTime());
        if (refusal.isPresent()) {
            return rateLimited(refusal.get());
        }
        String sessionId = token.sessionId() != null ? token.sessionId() : UUID.randomUUID().toString();
        IceServerDirectory.IceServerList list = directory.listFor(sessionId);
        return Response.ok(Map.of("iceServers", list.iceServers(), "ttl", list.ttlSeconds(),
                "expiresAt", list.expiresAt().toString(), "sessionId", sessionId))
                .header("Cache-Control", "no-store").build();
    }

    private static Response rateLimited(SessionAndSourceBudgets.Refusal refusal) {
        String who = refusal.limit() == SessionAndSourceBudgets.Limit.SESSION ? "this session" : "this address";
        return Response.status(TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, refusal.retryAfterSeconds())
                .entity(Map.of("error", "rate-limited", "message", "too many ICE server requests from " + who
                        + "; retry after " + refusal.retryAfterSeconds() + " s"))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
