package io.icemesh.turn.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The turn-service meters, registered once at start with bounded label values (enums), so Prometheus shows
 * {@code icemesh_turn_*} series. Per-packet counters are {@link LongAdder}s read by function counters, which
 * costs the relay path one uncontended add.
 */
public final class TurnMetrics {

    /** Direction of relayed traffic. */
    public enum Direction { TO_PEER, TO_CLIENT }

    /** Why relayed data was dropped. */
    public enum DropReason { NO_ALLOCATION, NO_PERMISSION, NO_CHANNEL, BANDWIDTH, QUEUE_FULL, SEND_FAILED }

    /** Why an Allocate failed. */
    public enum AllocateFailure {
        USER_QUOTA, SOURCE_QUOTA, TOTAL_QUOTA, DRAINING, NO_RELAY_PORT, BAD_REQUEST, UNSUPPORTED_TRANSPORT, ADDRESS_FAMILY, MISMATCH
    }

    /** Why authentication failed (the 401 challenge round trip is not a failure). */
    public enum AuthFailure {
        UNKNOWN_USER, EXPIRED_CREDENTIAL, CREDENTIAL_LIFETIME_TOO_LONG, BAD_INTEGRITY, STALE_NONCE, BAD_REQUEST,
        WRONG_CREDENTIALS
    }

    /** Why a TCP or TLS connection was refused at accept. */
    public enum StreamRefusal { PER_SOURCE, GLOBAL }

    /** Why the server closed a TCP or TLS connection. */
    public enum StreamClose { EVICTED, AUTH_TIMEOUT, FRAME_TIMEOUT, IDLE }

    /** What became of a TCP relay's peer connection (RFC 6062). */
    public enum TcpOutcome { CONNECTED, CONNECT_FAILED, ACCEPTED, REFUSED, BOUND, BIND_TIMEOUT }

    /** A STUN message the server takes no action on, by class. */
    public enum Ignored { RESPONSE, INDICATION }

    private final Map<Direction, LongAdder> packets = new EnumMap<>(Direction.class);
    private final Map<Direction, LongAdder> bytes = new EnumMap<>(Direction.class);
    private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);
    private final Map<AllocateFailure, Counter> allocateFailures;
    private final Map<AuthFailure, Counter> authFailures;
    private final Map<String, Counter> requests;
    private final Map<String, Counter> malformed;
    private final Map<String, Counter> created;
    private final Map<String, Counter> ended;
    private final Map<StreamRefusal, Counter> streamRefusals;
    private final Map<StreamClose, Counter> streamCloses;
    private final Map<Ignored, Counter> ignored;
    private final Map<TcpOutcome, Counter> tcpConnections;
    private final Counter aclDenials;
    private final Counter rateLimited;
    private final Counter expiredCredentialKept;

    public TurnMetrics(MeterRegistry registry, IntSupplier activeAllocations) {
        Gauge.builder("icemesh.turn.allocations.active", activeAllocations::getAsInt)
                .description("Allocations live now").register(registry);
        for (Direction d : Direction.values()) {
            LongAdder p = new LongAdder();
            LongAdder b = new LongAdder();
            packets.put(d, p);
            bytes.put(d, b);
            FunctionCounter.builder("icemesh.turn.relay.packets", p, LongAdder::sum).tag("direction", label(d))
                    .description("Packets relayed").register(registry);
            FunctionCounter.builder("icemesh.turn.relay.bytes", b, LongAdder::sum).tag("direction", label(d))
                    .baseUnit("bytes").description("Application bytes relayed").register(registry);
        }
        for (DropReason r : DropReason.values()) {
            LongAdder a = new LongAdder();
            drops.put(r, a);
            FunctionCounter.builder("icemesh.turn.relay.dropped", a, LongAdder::sum).tag("reason", label(r))
                    .description("Relayed packets dropped").register(registry);
        }
        allocateFailures = byEnum(registry, AllocateFailure.class, "icemesh.turn.allocations.failed", "reason",
                "Allocate requests refused after authentication");
        authFailures = byEnum(registry, AuthFailure.class, "icemesh.turn.auth.failures", "reason",
                "Requests that failed authentication");
        streamRefusals = byEnum(registry, StreamRefusal.class, "icemesh.turn.stream.refused", "reason",
                "TCP/TLS connections closed at accept: per-source or global connection cap");
        streamCloses = byEnum(registry, StreamClose.class, "icemesh.turn.stream.closed", "reason",
                "TCP/TLS connections the server closed: evicted at the global cap, no allocation in time, a frame "
                        + "too slow, idle without an allocation");
        ignored = byEnum(registry, Ignored.class, "icemesh.turn.stun.ignored", "class",
                "STUN responses and indications (other than Send) sent to the server, ignored");
        tcpConnections = byEnum(registry, TcpOutcome.class, "icemesh.turn.tcp.connections", "outcome",
                "TCP relay peer connections (RFC 6062): connected by Connect or failed, accepted from a permitted "
                        + "peer or refused, bound by ConnectionBind or timed out waiting");
        requests = byLabel(registry, "icemesh.turn.stun.requests", "method", "STUN/TURN requests received",
                "binding", "allocate", "refresh", "create_permission", "channel_bind", "send", "connect",
                "connection_bind", "other");
        malformed = byLabel(registry, "icemesh.turn.packets.malformed", "transport",
                "Packets dropped because they did not decode", "udp", "tcp", "tls", "relay");
        created = byLabel(registry, "icemesh.turn.allocations.created", "transport", "Allocations created",
                "udp", "tcp", "tls");
        ended = byLabel(registry, "icemesh.turn.allocations.ended", "reason", "Allocations ended",
                "expired", "deleted", "shutdown");
        aclDenials = Counter.builder("icemesh.turn.acl.denials").description("Peer addresses refused by the ACL (403)")
                .register(registry);
        expiredCredentialKept = Counter.builder("icemesh.turn.auth.expired.kept")
                .description("Requests on an allocation accepted with the expired credential that made it"
                        + " (auth.expired-credential-grace)")
                .register(registry);
        rateLimited = Counter.builder("icemesh.turn.ratelimit.dropped")
                .description("Unauthenticated requests dropped by the per-source rate limit").register(registry);
    }

    private static Map<String, Counter> byLabel(MeterRegistry registry, String name, String tag, String description,
            String... values) {
        Map<String, Counter> m = new java.util.HashMap<>();
        for (String v : values) {
            m.put(v, Counter.builder(name).tag(tag, v).description(description).register(registry));
        }
        return Map.copyOf(m);
    }

    /** One counter per value of an enum, the value's lower-case name as the tag. */
    private static <E extends Enum<E>> Map<E, Counter> byEnum(MeterRegistry registry, Class<E> type, String name,
            String tag, String description) {
        Map<E, Counter> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            m.put(e, Counter.builder(name).tag(tag, label(e)).description(description).register(registry));
        }
        return m;
    }

    private static String label(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    public void relayed(Direction direction, int payloadBytes) {
        packets.get(direction).increment();
        bytes.get(direction).add(payloadBytes);
    }

    public void dropped(DropReason reason) {
        drops.get(reason).increment();
    }

    public void allocateFailed(AllocateFailure failure) {
        allocateFailures.get(failure).increment();
    }

    public void authFailed(AuthFailure failure) {
        authFailures.get(failure).increment();
    }

    /** Counts a request by method name (see {@code StunMessageType.methodName}). */
    public void request(String method) {
        Counter c = requests.get(method);
        (c != null ? c : requests.get("other")).increment();
    }

    /** Counts a packet that did not decode, by transport label (udp, tcp, tls, relay). */
    public void malformed(String transport) {
        malformed.get(transport).increment();
    }

    public void allocationCreated(String transport) {
        created.get(transport).increment();
    }

    public void allocationEnded(String reason) {
        ended.get(reason).increment();
    }

    public void streamRefused(StreamRefusal reason) {
        streamRefusals.get(reason).increment();
    }

    public void streamClosed(StreamClose reason) {
        streamCloses.get(reason).increment();
    }

    public void tcpConnection(TcpOutcome outcome) {
        tcpConnections.get(outcome).increment();
    }

    public void ignored(Ignored kind) {
        ignored.get(kind).increment();
    }

    /** Registers the gauge of open TCP/TLS client connections. */
    public static void streamConnectionsGauge(MeterRegistry registry, IntSupplier open, int limit) {
        Gauge.builder("icemesh.turn.stream.connections", open::getAsInt)
                .description("TCP/TLS client connections open now").register(registry);
        Gauge.builder("icemesh.turn.stream.connections.limit", () -> limit)
                .description("TCP/TLS client connections held at most").register(registry);
    }

    public void aclDenied() {
        aclDenials.increment();
    }

    public void rateLimited() {
        rateLimited.increment();
    }

    /** A Refresh, CreatePermission or ChannelBind on its own allocation was accepted with an expired credential. */
    public void expiredCredentialKept() {
        expiredCredentialKept.increment();
    }
}
