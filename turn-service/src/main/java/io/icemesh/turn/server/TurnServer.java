package io.icemesh.turn.server;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.auth.CredentialStore;
import io.icemesh.turn.auth.NonceService;
import io.icemesh.turn.auth.RequestAuthenticator;
import io.icemesh.turn.config.TurnConfig;
import io.icemesh.turn.events.TurnEventPublisher;
import io.icemesh.turn.metrics.TurnMetrics;
import io.icemesh.turn.policy.PeerAddressPolicy;
import io.icemesh.turn.policy.UnauthenticatedRateLimiter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The STUN/TURN server's life cycle: wires codec, auth, policy and allocation state to the listeners at start,
 * runs the sweeper (lifetimes, permissions, channels, traffic events) and the node announcements, and drains on
 * shutdown: new allocations are refused with 508 and readiness goes down, existing ones live until they end or the
 * grace time passes.
 */
@ApplicationScoped
public class TurnServer {

    private static final Logger LOG = Logger.getLogger(TurnServer.class);

    @Inject
    TurnConfig config;
    @Inject
    MeterRegistry registry;
    @Inject
    TurnEventPublisher events;

    private volatile Listeners listeners;
    private volatile AllocationManager allocations;
    private volatile TurnMetrics metrics;
    private volatile InetAddress publicAddress;
    private volatile boolean stopped;
    private volatile int warmedUp;
    private volatile boolean warmingUp;
    private long lastTrafficNanos;
    /** How long the warm-up tries to make its Kafka topic. */
    private static final java.time.Duration WARM_UP_TOPIC_TIMEOUT = java.time.Duration.ofSeconds(5);

    void onStart(@Observes StartupEvent event) throws Exception {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() throws Exception {
        events.start();
        TurnConfig.Allocations limits = config.allocation();
        TurnConfig.Listen listen = config.listen();
        // The node's event loops, made first so that the warm-up runs on them: what it leaves behind per thread (each
        // loop's Mac and digest instances, its buffers) and the branches it takes there are the node's own.
        Listeners loops = new Listeners(listen.threads(), listen.receiveBufferBytes(), listen.sendBufferBytes());
        try {
            // Made before the warm-up: making it (a key pair, a certificate) loads classes that would throw away
            // code the warm-up compiled (see WarmUpClasses).
            SslContext tls = listen.tls() ? TlsContextFactory.create(config.tls()) : null;
            if (config.warmUp().allocations() > 0) {
                warmingUp = true;
                try {
                    WarmUpClasses.load(TurnServer.class.getClassLoader());
                    warmUp(loops);
                } finally {
                    warmingUp = false;
                }
            }
            serve(loops, limits, listen, tls);
        } catch (Exception | Error e) {
            // A failed start (a bad setting, a port in use) leaves no event loop or listener behind; stop() then has
            // nothing to stop.
            listeners = null;
            loops.closeListeners();
            loops.shutdown();
            throw e;
        }
    }

    /** The node's own server on {@code loops}: its state, handlers and listeners. */
    private void serve(Listeners loops, TurnConfig.Allocations limits, TurnConfig.Listen listen, SslContext tls)
            throws Exception {
        FileDescriptorBudget fds = FileDescriptorBudget.ofThisProcess(listen.maxStreamConnections(), limits.maxTotal());
        if (fds.relaySockets() < limits.maxTotal()) {
            LOG.warnf("allocation.max-total %d lowered to %d: the process may open %d file descriptors (raise "
                    + "the limit, e.g. ulimit -n, to hold more)", limits.maxTotal(), fds.relaySockets(), fds.limit());
        }
        allocations = new AllocationManager(limits.maxPerUser(), limits.maxPerSource(), fds.relaySockets());
        metrics = new TurnMetrics(registry, allocations::active);
        StreamConnectionLimits streamLimits = new StreamConnectionLimits(fds.streamConnections(),
                listen.maxStreamConnectionsPerSource(), metrics);
        TurnMetrics.streamConnectionsGauge(registry, streamLimits::open, streamLimits.maxTotal());
        Listeners.StreamTimeouts timeouts = new Listeners.StreamTimeouts(listen.streamAuthTimeout().toNanos(),
                listen.streamFrameTimeout().toNanos());
        FunctionCounter.builder("icemesh.turn.events.dropped", events, TurnEventPublisher::droppedCount)
                .description("Kafka events dropped (buffer full, delivery failed, or failure-event rate limit)")
                .register(registry);
        // The bean itself, not its CDI client proxy: the warm-up's publisher is a plain instance, and a second
        // receiver class at the same call sites would throw the warm-up's compiled code away on the first client.
        TurnEventPublisher publisher = io.quarkus.arc.ClientProxy.unwrap(events);
        allocations.onEnd(ended(metrics, publisher));
        io.micrometer.core.instrument.Gauge.builder("icemesh.turn.warm_up.allocations", this, TurnServer::warmedUp)
                .description("allocations the JIT warm-up ran on a private loopback server before the listeners "
                        + "opened (not counted anywhere else)").register(registry);

        List<String> secrets = new ArrayList<>();
        if (config.auth().restCredentials()) {
            secrets.add(config.secret());
            config.previousSecrets().ifPresent(secrets::addAll);
        }
        RequestAuthenticator authenticator = new RequestAuthenticator(config.realm(),
                new CredentialStore(config.users(), secrets, config.auth().maxCredentialLifetime().toSeconds(),
                        config.auth().expiredCredentialGrace().toSeconds()),
                new NonceService(config.auth().nonceLifetime().toSeconds()));
        PeerAddressPolicy peers = new PeerAddressPolicy(entries(config.peers().allow()), entries(config.peers().deny()),
                config.allowLoopbackPeers());
        TurnConfig.Auth auth = config.auth();
        UnauthenticatedRateLimiter rateLimiter = new UnauthenticatedRateLimiter(auth.unauthenticatedRate(),
                auth.unauthenticatedBurst(), auth.unauthenticatedPortRate(), auth.unauthenticatedPortBurst());

        listeners = loops;
        InetAddress ipv4 = HostAddresses.ipv4(config.relay().ipv4Address());
        InetAddress ipv6 = HostAddresses.ipv6(config.relay().ipv6Address());
        String publicSetting = config.relay().publicAddress();
        publicAddress = HostAddresses.AUTO.equals(publicSetting) ? ipv4 : HostAddresses.literal(publicSetting);
        RelayPortAllocator ipv4Relays = relays(ipv4);
        RelayPortAllocator ipv6Relays = ipv6 == null ? null : relays(ipv6);
        TcpConnections tcpConnections = new TcpConnections(fds.peerConnections());
        io.micrometer.core.instrument.Gauge.builder("icemesh.turn.tcp.peer.connections", tcpConnections::size)
                .description("TCP relay peer connections open now (RFC 6062), pending or bound").register(registry);
        ClientPacketHandler packets = handlers(allocations, metrics, publisher, authenticator, rateLimiter, peers,
                ipv4Relays, ipv6Relays, new RelayAddressMapper(publicAddress.equals(ipv4) ? null : publicAddress),
                tcpConnections);

        InetAddress listenAddress = HostAddresses.literal(listen.address());
        if (listen.udp()) {
            listeners.bindUdp(listenAddress, listen.udpPort(), packets, allocations, metrics);
            if (listen.alternateUdpPort().isPresent()) {
                int alternate = listeners.bindAlternateUdp(listenAddress, listen.alternateUdpPort().getAsInt(), packets,
                        allocations, metrics);
                LOG.infof("alternate STUN/TURN UDP port %d (announced as a second stun: URL)", alternate);
            }
        }
        if (listen.tcp()) {
            listeners.bindStream(listenAddress, listen.tcpPort(), null, packets, allocations, metrics, streamLimits,
                    timeouts);
        }
        if (listen.tls()) {
            listeners.bindStream(listenAddress, listen.tlsPort(), tls, packets,
                    allocations, metrics, streamLimits, timeouts);
        }
        long sweepMillis = limits.sweepInterval().toMillis();
        lastTrafficNanos = System.nanoTime();
        listeners.group().next().scheduleAtFixedRate(() -> sweep(rateLimiter, streamLimits), sweepMillis, sweepMillis,
                TimeUnit.MILLISECONDS);
        long announceMillis = config.events().announceInterval().toMillis();
        listeners.group().next().scheduleAtFixedRate(() -> announce(false), 0, announceMillis, TimeUnit.MILLISECONDS);
        LOG.infof("turn-service %s listening on %s udp:%d tcp:%d tls:%d, relay %s%s ports %d-%d, "
                        + "public %s, realm %s, loopback peers %s, at most %d allocations and %d TCP/TLS connections "
                        + "(%d per source) and %d TCP relay peer connections of %d file descriptors", config.nodeId(), listen.address(), udpPort(),
                tcpPort(), tlsPort(), ipv4.getHostAddress(),
                ipv6 == null ? "" : " and " + ipv6.getHostAddress(), config.relay().minPort(), config.relay().maxPort(),
                publicAddress.getHostAddress(), config.realm(), config.allowLoopbackPeers() ? "ALLOWED" : "denied",
                fds.relaySockets(), fds.streamConnections(), listen.maxStreamConnectionsPerSource(), fds.peerConnections(),
                fds.limit());
    }

    /** The request handling of one server: the same for the node and for its warm-up. */
    private ClientPacketHandler handlers(AllocationManager allocations, TurnMetrics metrics, TurnEventPublisher events,
            RequestAuthenticator authenticator, UnauthenticatedRateLimiter rateLimiter, PeerAddressPolicy peers,
            RelayPortAllocator ipv4Relays, RelayPortAllocator ipv6Relays, RelayAddressMapper addressMapper,
            TcpConnections tcpConnections) {
        TurnConfig.Allocations limits = config.allocation();
        LifetimePolicy lifetimes = new LifetimePolicy(limits.defaultLifetime(), limits.maxLifetime());
        AllocateHandler allocate = new AllocateHandler(allocations, ipv4Relays, ipv6Relays, addressMapper, lifetimes,
                limits.maxBytesPerSecond(), metrics, events, tcpConnections);
        ExistingAllocationHandler allocationRequests = new ExistingAllocationHandler(allocations, peers, lifetimes,
                limits.permissionLifetime(), limits.channelLifetime(), limits.strictChannelRange(), metrics, events);
        TurnRequestHandler requests = new TurnRequestHandler(authenticator, rateLimiter, allocate, allocationRequests,
                new TcpRequestHandler(allocationRequests, tcpConnections, metrics), metrics, events);
        return new ClientPacketHandler(requests, metrics);
    }

    /**
     * Runs allocations against a private server on loopback before the node's own listeners open, so that the JIT
     * has compiled the allocation path before the first client: the same handler classes, wired as above, on the
     * node's own event loops, but with credentials made up for this boot only (a static user and a TURN REST secret,
     * used in turn), events encoded and queued but not given to Kafka, metrics on a registry of its own, and no rate
     * limit or quota in its way. Its client takes a new source port for each allocation, as clients do. Its sockets
     * are closed before the node listens; a client cannot reach it (it binds 127.0.0.1 on an ephemeral port and
     * knows no real credential). Readiness follows the node's listeners, so it waits for this.
     *
     * <p>What the warm-up does not do, the node's first clients pay for twice: C2 compiles from the warm-up's
     * profile, and a branch or type the warm-up never took is an uncommon trap that throws the compiled code away
     * (and the methods it was inlined into) to be compiled again. So it mirrors the node where it matters: the
     * threads, the end-of-allocation hook, both credential forms, a new 5-tuple per allocation.
     */
    private void warmUp(Listeners loops) throws Exception {
        TurnConfig.WarmUp settings = config.warmUp();
        long started = System.nanoTime();
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        String hex = java.util.HexFormat.of().formatHex(random);
        String password = hex.substring(0, 32);
        String secret = hex.substring(32);
        // As short as a static user's name usually is (a REST username's expiry field is at most 12 characters,
        // and the name is read as far as that: a longer one would skip the path the node's static users take).
        String user = WarmUpClient.USER_PREFIX + password.substring(0, 8);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AllocationManager allocations = new AllocationManager(Integer.MAX_VALUE, Integer.MAX_VALUE, 64);
        // Meters of the same kinds as the node's (a composite over a Prometheus registry, as Quarkus builds it), so
        // that the compiled code fits the node's, but in a registry nobody scrapes.
        io.micrometer.core.instrument.composite.CompositeMeterRegistry meters =
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry(
                        io.micrometer.core.instrument.Clock.SYSTEM, List.of(new io.micrometer.prometheus
                                .PrometheusMeterRegistry(io.micrometer.prometheus.PrometheusConfig.DEFAULT)));
        TurnMetrics metrics = new TurnMetrics(meters, allocations::active);
        RequestAuthenticator authenticator = new RequestAuthenticator(config.realm(),
                new CredentialStore(java.util.Map.of(user, password), List.of(secret),
                        WarmUpClient.REST_LIFETIME_SECONDS, 0),
                new NonceService(config.auth().nonceLifetime().toSeconds()));
        UnauthenticatedRateLimiter unlimited = new UnauthenticatedRateLimiter(1e9, 1e9, 1e9, 1e9);
        // Its one peer is its own socket on loopback, to which nothing is sent (permissions and channels only).
        PeerAddressPolicy peers = new PeerAddressPolicy(List.of(), List.of(), true);
        Listeners warm = loops.onSameLoops();
        TurnEventPublisher silentEvents = TurnEventPublisher.silent(config);
        allocations.onEnd(ended(metrics, silentEvents));
        try {
            RelayPortAllocator relays = new RelayPortAllocator(loopback, config.relay().minPort(),
                    config.relay().maxPort(), config.listen().receiveBufferBytes(),
                    config.listen().sendBufferBytes());
            ClientPacketHandler packets = handlers(allocations, metrics, silentEvents, authenticator, unlimited, peers,
                    relays, null, new RelayAddressMapper(null), new TcpConnections(16));
            int port = warm.bindUdp(loopback, 0, packets, allocations, metrics);
            WarmUpClient client = new WarmUpClient(new InetSocketAddress(loopback, port), user, password, secret,
                    config.realm());
            long deadline = started + settings.maxDuration().toNanos();
            // The JIT's compilation time so far, null where the JVM does not measure it
            java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory
                    .getCompilationMXBean();
            java.util.function.LongSupplier compiled = jit != null && jit.isCompilationTimeMonitoringSupported()
                    ? jit::getTotalCompilationTime : null;
            // The Kafka passes' topic, made meanwhile (a broker that is out costs the warm-up nothing but them)
            TurnEventPublisher node = io.quarkus.arc.ClientProxy.unwrap(events);
            java.util.concurrent.CompletableFuture<Boolean> topic = settings.kafkaPasses() <= 0
                    ? java.util.concurrent.CompletableFuture.completedFuture(false)
                    : java.util.concurrent.CompletableFuture.supplyAsync(
                            () -> node.createWarmUpTopic(WARM_UP_TOPIC_TIMEOUT), task -> {
                                Thread maker = new Thread(task, "turn-warm-up-topic");
                                maker.setDaemon(true);
                                maker.start();
                            });
            java.util.function.LongSupplier compiledOrZero = compiled == null ? () -> 0L : compiled;
            WarmUpPasses.Outcome outcome = new WarmUpPasses(settings.allocations(), settings.maxPasses(),
                    settings.settledCompilation().toMillis(), compiledOrZero, System::nanoTime, deadline)
                    .run(n -> client.run(n, deadline), () -> awaitCompilationSettled(compiled, deadline));
            warmedUp = outcome.allocations();
            LOG.infof("warm-up: %d allocations in %d passes on a private loopback server in %d ms (%d failed), "
                    + "%d ms of JIT compilation, %d ms in the last pass", outcome.allocations(), outcome.passes(),
                    (System.nanoTime() - started) / 1_000_000, outcome.failures(), outcome.compilationMillis(),
                    outcome.lastPassCompilationMillis());
            if (waitFor(topic, deadline)) {
                long kafkaStarted = System.nanoTime();
                silentEvents.sendThrough(node);
                WarmUpPasses.Outcome kafka = new WarmUpPasses(settings.allocations(), settings.kafkaPasses(),
                        settings.settledCompilation().toMillis(), compiledOrZero, System::nanoTime, deadline)
                        .run(n -> client.run(n, deadline), () -> {
                            // Acknowledged first: the producer's answer path is compiled too, and nothing of the
                            // warm-up's is still on its way when the node opens.
                            while (silentEvents.inFlight() > 0 && System.nanoTime() - deadline < 0) {
                                Thread.sleep(5);
                            }
                            awaitCompilationSettled(compiled, deadline);
                        });
                warmedUp += kafka.allocations();
                LOG.infof("warm-up with its events on %s: %d allocations in %d passes in %d ms (%d failed), %d ms of "
                        + "JIT compilation, %d ms in the last pass, %d events not yet acknowledged",
                        io.icemesh.events.v1.Topics.TURN_WARM_UP, kafka.allocations(), kafka.passes(),
                        (System.nanoTime() - kafkaStarted) / 1_000_000, kafka.failures(), kafka.compilationMillis(),
                        kafka.lastPassCompilationMillis(), silentEvents.inFlight());
            }
        } catch (RuntimeException | java.io.IOException e) {
            LOG.warnf("warm-up stopped early (%s); the node starts anyway", e.toString());
        } finally {
            // Nothing of the warm-up outlives it on the node's loops: no new allocation from now on, its listeners
            // closed (on their loops), then, once every loop has run what was queued before, its allocations ended
            // and their relay sockets closed (again on the loops).
            allocations.startDraining();
            warm.closeListeners();
            loops.awaitQueuedTasks();
            allocations.closeAll();
            loops.awaitQueuedTasks();
            silentEvents.close();
        }
    }

    /** True if {@code future} completed with true by {@code deadlineNanos}. */
    private static boolean waitFor(java.util.concurrent.CompletableFuture<Boolean> future, long deadlineNanos)
            throws InterruptedException {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /**
     * Waits until the JIT has compiled what the warm-up queued: {@code compiled} (the JIT's total compilation time,
     * ms; null where the JVM does not measure it, and then this returns at once) grows by less than 10 ms over half a
     * second, or the deadline passes.
     */
    private static void awaitCompilationSettled(java.util.function.LongSupplier compiled, long deadlineNanos)
            throws InterruptedException {
        if (compiled == null) {
            return;
        }
        long previous = compiled.getAsLong();
        while (System.nanoTime() < deadlineNanos) {
            Thread.sleep(500);
            long now = compiled.getAsLong();
            if (now - previous < 10) {
                return;
            }
            previous = now;
        }
    }

    private RelayPortAllocator relays(InetAddress address) {
        return new RelayPortAllocator(address, config.relay().minPort(), config.relay().maxPort(),
                config.listen().receiveBufferBytes(), config.listen().sendBufferBytes());
    }

    private static List<String> entries(List<String> configured) {
        return configured.stream().filter(s -> !s.isBlank() && !"none".equals(s)).toList();
    }

    private void sweep(UnauthenticatedRateLimiter rateLimiter, StreamConnectionLimits streamLimits) {
        try {
            long now = System.nanoTime();
            allocations.sweep(now);
            rateLimiter.evictIdle(now);
            streamLimits.purge();
            if (now - lastTrafficNanos >= config.events().trafficInterval().toNanos()) {
                lastTrafficNanos = now;
                for (Allocation a : allocations.all()) {
                    if (a.relay() != null) {
                        events.allocationEvent(TurnEventType.TRAFFIC, a, null, null);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("allocation sweep failed; it runs again next interval", e);
        }
    }

    /** What the end of an allocation does (a metric and an event): the node's, and its warm-up's. */
    private static AllocationManager.EndListener ended(TurnMetrics metrics, TurnEventPublisher events) {
        return (allocation, reason) -> {
            metrics.allocationEnded(reason.label());
            TurnEventType type = reason == AllocationManager.EndReason.EXPIRED ? TurnEventType.ALLOCATION_EXPIRED
                    : TurnEventType.ALLOCATION_DELETED;
            events.allocationEvent(type, allocation, null, reason.label());
            LOG.debugf("allocation %s of %s ended: %s", allocation.id(), allocation.username(), reason.label());
        };
    }

    private void announce(boolean draining) {
        try {
            events.announce(announcement(draining));
        } catch (RuntimeException e) {
            LOG.warnf("node announcement failed: %s", e.getMessage());
        }
    }

    /** This node's announcement as published on icemesh.nodes. */
    public NodeAnnouncement announcement(boolean draining) {
        String host = publicAddress.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        List<String> urls = new ArrayList<>();
        if (udpPort() > 0) {
            urls.add("stun:" + host + ":" + udpPort());
            if (alternateUdpPort() > 0) {
                urls.add("stun:" + host + ":" + alternateUdpPort());
            }
            urls.add("turn:" + host + ":" + udpPort() + "?transport=udp");
        }
        if (tcpPort() > 0) {
            urls.add("turn:" + host + ":" + tcpPort() + "?transport=tcp");
        }
        if (tlsPort() > 0) {
            urls.add("turns:" + host + ":" + tlsPort() + "?transport=tcp");
        }
        return new NodeAnnouncement(EventSchema.VERSION, config.nodeId(), NodeKind.TURN, publicAddress.getHostAddress(),
                urls, allocations.capacity(), allocations.active(), draining || allocations.draining(),
                System.currentTimeMillis());
    }

    synchronized void stop() {
        if (stopped || listeners == null) {
            return;
        }
        stopped = true;
        allocations.startDraining();
        announce(true);
        long graceMillis = config.drain().grace().toMillis();
        LOG.infof("draining: refusing new allocations, waiting up to %d ms for %d allocations to end", graceMillis,
                allocations.active());
        try {
            if (!allocations.awaitEmpty(graceMillis)) {
                LOG.infof("drain grace time over, closing %d allocations", allocations.active());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        allocations.closeAll();
        listeners.closeListeners();
        listeners.shutdown();
        // Last: the allocations just closed, and anything the event loops published before they ended, are queued
        events.close();
    }

    /** True while the JIT warm-up runs, before the listeners open. */
    public boolean warmingUp() {
        return warmingUp;
    }

    /** Allocations the warm-up ran before the listeners opened. */
    public int warmedUp() {
        return warmedUp;
    }

    /** The bound UDP port, or -1. */
    public int udpPort() {
        return listeners == null ? -1 : listeners.udpPort();
    }

    /** The bound alternate UDP port, or -1 (none configured). */
    public int alternateUdpPort() {
        return listeners == null ? -1 : listeners.alternateUdpPort();
    }

    /** The bound TCP port, or -1. */
    public int tcpPort() {
        return listeners == null ? -1 : listeners.tcpPort();
    }

    /** The bound TLS port, or -1. */
    public int tlsPort() {
        return listeners == null ? -1 : listeners.tlsPort();
    }

    /** True while every configured listener is bound and open. */
    public boolean listening() {
        return listeners != null && !stopped && listeners.allOpen();
    }

    /** True once shutdown began: new allocations are refused. */
    public boolean draining() {
        return allocations != null && allocations.draining();
    }

    /** Live allocations. */
    public int activeAllocations() {
        return allocations == null ? 0 : allocations.active();
    }

    /** Starts draining without stopping (operators and tests). */
    public void startDraining() {
        allocations.startDraining();
        announce(true);
    }
}
