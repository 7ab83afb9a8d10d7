package io.icemesh.signaling.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.events.v1.DoctorReport;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.signaling.auth.BearerToken;
import io.icemesh.signaling.auth.RoomTokens;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.ice.IceServersRateLimit;
import io.icemesh.signaling.limit.KeyedRateLimiter;
import io.icemesh.signaling.limit.SessionAndSourceBudgets;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code POST /api/doctor/reports}: an ICE doctor result the user chose to share (the {@code /doctor} page's "send
 * this report"), published for monitor on {@code icemesh.doctor-reports}. The caller shows a room token
 * ({@code Authorization: Bearer}); each session and each client address has a small budget (429 with Retry-After
 * past it); a report that is not one gets 400 with the reason. Nothing but the verdicts is kept: no credentials, no
 * client address.
 */
@Path("/api/doctor/reports")
public class DoctorReportResource {

    private static final int TOO_MANY_REQUESTS = 429;
    private static final double SECONDS_PER_HOUR = 3600;
    private static final int MAX_URL = 512;
    private static final int MAX_TEXT = 500;
    private static final int MAX_CLIENT = 200;
    private static final double MAX_MS = 3_600_000;
    private static final int MAX_TRACKED = 50_000;
    /** An ICE server URL (RFC 7064, 7065) without anything that could carry a credential or markup. */
    private static final Pattern ICE_URL = Pattern.compile("(stun|stuns|turn|turns):[A-Za-z0-9.\\-\\[\\]:]+"
            + "(\\?transport=(udp|tcp))?");
    private static final Set<String> STATUSES = Set.of("ok", "slow", "failed");
    private static final Set<String> SOURCES = Set.of("browser", "cli");

    private final RoomTokens tokens;
    private final DoctorReportPublisher publisher;
    private final SessionAndSourceBudgets budgets;
    private final int maxUrls;
    private final MeterRegistry meters;

    DoctorReportResource(RoomTokens tokens, DoctorReportPublisher publisher, SignalingConfig config,
            MeterRegistry meters) {
        this.tokens = tokens;
        this.publisher = publisher;
        SignalingConfig.Doctor d = config.doctor();
        this.budgets = new SessionAndSourceBudgets(
                new KeyedRateLimiter(d.sessionBurst(), d.sessionPerHour() / SECONDS_PER_HOUR, MAX_TRACKED),
                new KeyedRateLimiter(d.sourceBurst(), d.sourcePerHour() / SECONDS_PER_HOUR, MAX_TRACKED));
        this.maxUrls = d.maxUrls();
        this.meters = meters;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response post(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, JsonNode body,
            @Context HttpServerRequest request) {
        BearerToken bearer;
        try {
            bearer = BearerToken.verify(authorization, tokens);
        } catch (RoomTokens.InvalidTokenException e) {
            count("unauthorized");
            return BearerToken.unauthorized(e.getMessage());
        }
        DoctorReport report;
        try {
            report = parse(body, bearer.token().sessionId());
        } catch (IllegalArgumentException e) {
            count("invalid");
            return Response.status(Response.Status.BAD_REQUEST).entity(Map.of("error", "invalid", "message",
                    e.getMessage())).type(MediaType.APPLICATION_JSON).build();
        }
        String sessionKey = IceServersRateLimit.sessionKey(bearer.token(), bearer.raw());
        SocketAddress remote = request.remoteAddress();
        Optional<SessionAndSourceBudgets.Refusal> refusal = budgets.acquire(sessionKey,
                IceServersRateLimit.sourceKey(remote == null ? null : remote.hostAddress()), System.nanoTime(), 1);
        if (refusal.isPresent()) {
            long seconds = refusal.get().retryAfterSeconds();
            count("rate_limited");
            return Response.status(TOO_MANY_REQUESTS).header(HttpHeaders.RETRY_AFTER, seconds)
                    .entity(Map.of("error", "rate-limited", "message", "too many doctor reports; retry after "
                            + seconds + " s"))
                    .type(MediaType.APPLICATION_JSON).build();
        }
        if (!publisher.publish(report)) {
            budgets.refundSession(sessionKey, 1);
            count("unavailable");
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, 30)
                    .entity(Map.of("error", "unavailable", "message", "reports cannot be taken now (Kafka is away); "
                            + "retry after 30 s"))
                    .type(MediaType.APPLICATION_JSON).build();
        }
        count("accepted");
        return Response.accepted(Map.of("reportId", report.reportId())).build();
    }

    /** Checks the body field by field; throws with the first reason it is not a report. */
    DoctorReport parse(JsonNode body, String sessionId) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object with \"urls\"");
        }
        JsonNode urls = body.get("urls");
        if (urls == null || !urls.isArray() || urls.isEmpty()) {
            throw new IllegalArgumentException("\"urls\" must be a non-empty array of {url, status, ms, text}");
        }
        if (urls.size() > maxUrls) {
            throw new IllegalArgumentException("a report holds at most " + maxUrls + " URLs, this one " + urls.size());
        }
        List<DoctorReport.UrlVerdict> verdicts = new ArrayList<>();
        for (JsonNode u : urls) {
            String url = text(u, "url", MAX_URL, true);
            if (!ICE_URL.matcher(url).matches()) {
                throw new IllegalArgumentException("'" + url + "' is not a stun:, stuns:, turn: or turns: URL");
            }
            String status = text(u, "status", 10, true);
            if (!STATUSES.contains(status)) {
                throw new IllegalArgumentException("status must be ok, slow or failed, not '" + status + "'");
            }
            Double ms = null;
            JsonNode m = u.get("ms");
            if (m != null && !m.isNull()) {
                if (!m.isNumber() || m.asDouble() < 0 || m.asDouble() > MAX_MS) {
                    throw new IllegalArgumentException("ms must be a number from 0 to " + (long) MAX_MS);
                }
                ms = Math.round(m.asDouble() * 10) / 10.0;
            }
            verdicts.add(new DoctorReport.UrlVerdict(url, status, ms, text(u, "text", MAX_TEXT, false)));
        }
        String source = body.hasNonNull("source") ? body.get("source").asText() : "browser";
        if (!SOURCES.contains(source)) {
            throw new IllegalArgumentException("source must be browser or cli, not '" + source + "'");
        }
        String client = body.hasNonNull("client") ? body.get("client").asText() : null;
        if (client != null && client.length() > MAX_CLIENT) {
            client = client.substring(0, MAX_CLIENT);
        }
        return new DoctorReport(EventSchema.VERSION, UUID.randomUUID().toString(), System.currentTimeMillis(), source,
                sessionId, client, List.copyOf(verdicts));
    }

    private static String text(JsonNode node, String field, int max, boolean required) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("each URL needs \"" + field + "\"");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        if (v.asText().length() > max) {
            throw new IllegalArgumentException("\"" + field + "\" is longer than " + max + " characters");
        }
        return v.asText();
    }

    private void count(String outcome) {
        meters.counter("icemesh.signaling.doctor_reports", "outcome", outcome).increment();
    }
}
