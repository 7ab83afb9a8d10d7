package io.icemesh.signaling.ice;

import io.icemesh.signaling.auth.RoomToken;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.limit.KeyedRateLimiter;
import io.icemesh.signaling.limit.SessionAndSourceBudgets;
import io.icemesh.signaling.limit.SessionAndSourceBudgets.Limit;
import io.icemesh.signaling.limit.SessionAndSourceBudgets.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The two budgets of {@code GET /api/ice-servers}, which mints TURN credentials: one per session (a room token's
 * {@code sid}; a token without one is its own session) and one per client address. A request takes from both or
 * from neither, and each refusal is counted by the limit that refused it. Created at start-up so that its counters
 * are exported, at zero, before the first refusal.
 *
 * <p>The budgets are the mesh's, not each instance's: behind a load balancer a client's requests spread over the
 * live signaling instances, so each instance charges a request as many tokens as there are live instances (their
 * heartbeats on the room log). A client spread evenly gets the configured budget in all; one that always reaches
 * the same instance gets less, never more.
 */
@Startup
@ApplicationScoped
public class IceServersRateLimit {

    /** IPv6 clients count per /64: one subscriber's prefix (RFC 6177), in which an address costs nothing to change. */
    static final int IPV6_PREFIX_BYTES = 8;
    /** Bytes of a token's SHA-256 kept as its key: enough to never collide, without keeping bearer tokens around. */
    private static final int TOKEN_HASH_BYTES = 16;
    private static final double SECONDS_PER_MINUTE = 60;

    private final SessionAndSourceBudgets budgets;
    private final Map<Limit, Counter> refused = new EnumMap<>(Limit.class);
    private final java.util.function.IntSupplier liveInstances;

    @jakarta.inject.Inject
    IceServersRateLimit(SignalingConfig config, MeterRegistry meters, io.icemesh.signaling.room.RoomLog log) {
        this(config, meters, () -> log.liveInstances().size());
    }

    IceServersRateLimit(SignalingConfig config, MeterRegistry meters, java.util.function.IntSupplier liveInstances) {
        this.liveInstances = liveInstances;
        SignalingConfig.RateLimit limits = config.ice().rateLimit();
        budgets = new SessionAndSourceBudgets(
                new KeyedRateLimiter(limits.sessionBurst(), limits.sessionPerMinute() / SECONDS_PER_MINUTE,
                        limits.maxTrackedKeys()),
                new KeyedRateLimiter(limits.sourceBurst(), limits.sourcePerMinute() / SECONDS_PER_MINUTE,
                        limits.maxTrackedKeys()));
        for (Limit l : Limit.values()) {
            refused.put(l, Counter.builder("icemesh.signaling.ice_servers.rate_limited")
                    .description("GET /api/ice-servers requests refused with 429, by the budget that refused them")
                    .tag("limit", l.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
    }

    /** Takes one request from the session's and the address's budgets; a refusal if either has none left. */
    public Optional<Refusal> acquire(String sessionKey, String sourceKey, long nowNanos) {
        Optional<Refusal> refusal = budgets.acquire(sessionKey, sourceKey, nowNanos,
                Math.max(1, liveInstances.getAsInt()));
        refusal.ifPresent(r -> refused.get(r.limit()).increment());
        return refusal;
    }

    /** The session budget's key: the token's session id, or a hash of a token that names none. */
    public static String sessionKey(RoomToken token, String rawToken) {
        if (token.sessionId() != null) {
            return "sid:" + token.sessionId();
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(rawToken.getBytes(StandardCharsets.UTF_8));
            return "jwt:" + HexFormat.of().formatHex(hash, 0, TOKEN_HASH_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** The address budget's key: an IPv4 address as it is, an IPv6 address by its /64 prefix. */
    public static String sourceKey(String hostAddress) {
        if (hostAddress == null || hostAddress.indexOf(':') < 0 || !startsLikeIpv6(hostAddress)) {
            return String.valueOf(hostAddress);
        }
        try {
            // a string that starts with a hex digit or colon and has a colon is parsed as a literal, never looked up
            InetAddress address = InetAddress.getByName(hostAddress);
            if (!(address instanceof Inet6Address)) {
                return address.getHostAddress(); // IPv4-mapped
            }
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, IPV6_PREFIX_BYTES, prefix.length, (byte) 0);
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            return hostAddress;
        }
    }

    private static boolean startsLikeIpv6(String s) {
        return s.charAt(0) == ':' || Character.digit(s.charAt(0), 16) >= 0;
    }

}
