package io.icemesh.monitor.probe;

import io.icemesh.monitor.MonitorConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends a STUN Binding to every configured and announced ICE server each interval from one UDP socket, matches
 * answers by transaction id on a receiver thread, and turns answers and timeouts into per-server health. Every
 * verdict change is published at once; every verdict is re-published periodically. Nothing read from the network
 * can throw out of the loops: malformed and unexpected answers are counted and dropped.
 */
@Startup
@ApplicationScoped
public class Prober implements ServerStatuses {

    private static final Logger LOG = Logger.getLogger(Prober.class);
    /** Larger than any STUN answer to a Binding; a datagram beyond it is truncated and then fails to decode. */
    private static final int RECEIVE_BUFFER = 1500;
    /** Timeouts are swept this many times per timeout, so a miss is seen within a quarter of the timeout. */
    private static final int SWEEPS_PER_TIMEOUT = 4;
    private static final long MIN_SWEEP_MILLIS = 25;

    private record Pending(ProbedServer server, InetSocketAddress to, long sentNanos) {
    }

    private final MonitorConfig.Probe config;
    private final long publishIntervalMs;
    private final MeterRegistry registry;
    private final ServerHealthPublisher publisher;
    private final IceServerSet serverSet;
    private final Map<String, ProbedServer> servers = new ConcurrentHashMap<>();
    private final Map<TransactionId, Pending> pending = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Counter malformed;
    private final Counter unmatched;
    private final Counter skipped;
    private final TurnAllocateProbe turnProbe;
    private final Map<String, Integer> turnRounds = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private java.util.concurrent.ExecutorService workers;
    private ScheduledExecutorService scheduler;
    private DatagramChannel socket;
    private Thread receiver;

    Prober(MonitorConfig config, MeterRegistry registry, ServerHealthPublisher publisher) {
        this.config = config.probe();
        this.publishIntervalMs = config.health().publishInterval().toMillis();
        this.registry = registry;
        this.publisher = publisher;
        this.serverSet = new IceServerSet(this.config.servers().orElse(List.of()),
                this.config.announcementTtl().toMillis());
        this.turnProbe = this.config.turnSecret().filter(s -> !s.isBlank())
                .map(s -> new TurnAllocateProbe(s, this.config.timeout(), this.config.turnCredentialLifetime()))
                .orElse(null);
        malformed = Counter.builder("icemesh.monitor.probe.answers.malformed")
                .description("Datagrams on the probe socket that are not a STUN Binding response").register(registry);
        unmatched = Counter.builder("icemesh.monitor.probe.answers.unmatched")
                .description("Binding responses matching no outstanding probe (late, duplicate or from elsewhere)")
                .register(registry);
        skipped = Counter.builder("icemesh.monitor.probe.skipped")
                .description("Probes not sent because the server resolved outside loopback while loopback-only is set")
                .register(registry);
        Gauge.builder("icemesh.monitor.probe.servers", servers, Map::size)
                .description("ICE servers probed (configured and announced)").register(registry);
    }

    void start(@Observes StartupEvent started) throws IOException {
        if (!config.enabled()) {
            LOG.info("ICE server probes are disabled (icemesh.monitor.probe.enabled=false)");
            return;
        }
        socket = DatagramChannel.open();
        socket.bind(new InetSocketAddress(0));
        workers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "icemesh-probe-worker");
            t.setDaemon(true);
            return t;
        });
        receiver = new Thread(this::receiveLoop, "icemesh-probe-receiver");
        receiver.setDaemon(true);
        receiver.start();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "icemesh-probe-sender");
            t.setDaemon(true);
            return t;
        });
        long interval = config.interval().toMillis();
        long sweep = Math.max(MIN_SWEEP_MILLIS, config.timeout().toMillis() / SWEEPS_PER_TIMEOUT);
        scheduler.scheduleAtFixedRate(this::guarded, 0, interval, TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(this::sweepTimeouts, sweep, sweep, TimeUnit.MILLISECONDS);
        LOG.infof("probing ICE servers every %s (timeout %s) from UDP %s", config.interval(), config.timeout(),
                socket.getLocalAddress());
    }

    void stop(@Observes ShutdownEvent stopping) throws IOException {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (socket != null) {
            socket.close();
        }
    }

    /** A node announced the URLs it serves. */
    public void announce(String nodeId, List<String> urls) {
        serverSet.announce(nodeId, urls, System.currentTimeMillis());
    }

    /** A node is gone (tombstone). */
    public void withdraw(String nodeId) {
        serverSet.withdraw(nodeId);
    }

    @Override
    public Optional<ServerStatus> status(String url) {
        ProbedServer s = servers.get(url);
        return s == null ? Optional.empty() : Optional.of(s.status());
    }

    @Override
    public List<ServerStatus> all() {
        List<ServerStatus> out = new ArrayList<>();
        for (ProbedServer s : servers.values()) {
            out.add(s.status());
        }
        out.sort(Comparator.comparing(ServerStatus::url));
        return out;
    }

    private void guarded() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("probe round failed; the next round runs as planned", e);
        }
    }

    private void tick() {
        long now = System.currentTimeMillis();
        refreshServers(now);
        for (ProbedServer s : servers.values()) {
            probe(s, now);
            if (s.publishDue(now, publishIntervalMs)) {
                publisher.publish(s.status());
            }
        }
    }

    private void refreshServers(long now) {
        Set<String> wanted = new HashSet<>();
        for (String url : serverSet.current(now)) {
            if (wanted.size() >= config.maxServers()) {
                warnOnce(url, "not probing %s: more than icemesh.monitor.probe.max-servers=%d servers", url,
                        config.maxServers());
                continue;
            }
            Optional<ProbeTarget> target = ProbeTarget.parse(url);
            if (target.isEmpty()) {
                warnOnce(url, "not probing %s: not a stun:, stuns:, turn: or turns: URL", url);
                continue;
            }
            wanted.add(url);
            servers.computeIfAbsent(url, u -> new ProbedServer(target.get(), new ProbeMeters(u, registry),
                    config.unhealthyAfterMisses(), config.window()));
        }
        servers.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) {
                return false;
            }
            e.getValue().meters().remove();
            turnRounds.remove(e.getKey());
            LOG.infof("stopped probing %s: no longer configured or announced", e.getKey());
            return true;
        });
    }

    private void probe(ProbedServer server, long now) {
        ProbeTarget target = server.target();
        InetAddress address;
        try {
            address = InetAddress.getByName(target.host());
        } catch (UnknownHostException e) {
            changed(server, server.missed("cannot resolve " + target.host(), now));
            return;
        }
        if (config.loopbackOnly() && !address.isLoopbackAddress()) {
            skipped.increment();
            warnOnce(target.url(), "not probing %s: %s is outside loopback and icemesh.monitor.probe.loopback-only"
                    + " is true", target.url(), address.getHostAddress());
            return;
        }
        InetSocketAddress to = new InetSocketAddress(address, target.port());
        if (turnAllocateDue(target)) {
            String url = target.url();
            workers.execute(() -> {
                try {
                    TurnAllocateProbe.Outcome o = turnProbe.probe(to);
                    long at = System.currentTimeMillis();
                    changed(server, o.allocated() ? server.succeeded(o.allocateRttNanos(), o.detail(), at)
                            : server.refused(o.detail(), at));
                } finally {
                    inFlight.remove(url);
                }
            });
            return;
        }
        if (overTcp(target)) {
            connectProbe(server, to);
            return;
        }
        TransactionId id = TransactionId.random();
        pending.put(id, new Pending(server, to, System.nanoTime()));
        try {
            socket.send(ByteBuffer.wrap(StunBinding.request(id)), to);
            server.meters().sent();
        } catch (IOException e) {
            pending.remove(id);
            changed(server, server.missed("cannot send: " + e.getMessage(), now));
        }
    }

    /** {@code turns:} and {@code ?transport=tcp} URLs are served over TCP: a UDP Binding says nothing about them. */
    private static boolean overTcp(ProbeTarget target) {
        return target.scheme().endsWith("s") || target.url().contains("transport=tcp");
    }

    /**
     * TCP and TLS URLs: a TCP connect within the timeout counts as an answer (its time as the RTT), a refused or
     * timed-out connect as a miss. One at a time per URL, off the sender thread.
     */
    private void connectProbe(ProbedServer server, InetSocketAddress to) {
        String url = server.target().url();
        if (!inFlight.add(url)) {
            return;
        }
        workers.execute(() -> {
            long started = System.nanoTime();
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(to, (int) config.timeout().toMillis());
                changed(server, server.succeeded(System.nanoTime() - started, "accepts TCP connections",
                        System.currentTimeMillis()));
            } catch (IOException e) {
                changed(server, server.missed("TCP connect failed: " + e.getMessage(), System.currentTimeMillis()));
            } finally {
                inFlight.remove(url);
            }
        });
    }

    /** Whether this round of a TURN-over-UDP URL is an authenticated Allocate (one at a time per URL). */
    private boolean turnAllocateDue(ProbeTarget target) {
        if (turnProbe == null || !"turn".equals(target.scheme()) || target.url().contains("transport=tcp")) {
            return false;
        }
        int round = turnRounds.merge(target.url(), 1, Integer::sum);
        return (round - 1) % config.turnAllocateEvery() == 0 && inFlight.add(target.url());
    }

    private void sweepTimeouts() {
        try {
            long deadline = System.nanoTime() - config.timeout().toNanos();
            long now = System.currentTimeMillis();
            pending.entrySet().removeIf(e -> {
                Pending p = e.getValue();
                if (p.sentNanos() - deadline > 0) {
                    return false;
                }
                changed(p.server(), p.server().missed("no answer within " + config.timeout().toMillis() + " ms",
                        now));
                return true;
            });
        } catch (RuntimeException e) {
            LOG.warn("probe timeout sweep failed; the next sweep runs as planned", e);
        }
    }

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (socket.isOpen()) {
            try {
                buffer.clear();
                InetSocketAddress from = (InetSocketAddress) socket.receive(buffer);
                long arrived = System.nanoTime();
                buffer.flip();
                onDatagram(buffer, from, arrived);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.debugf("probe receive failed: %s", e);
            }
        }
    }

    private void onDatagram(ByteBuffer datagram, InetSocketAddress from, long arrivedNanos) {
        StunAnswer answer = StunBinding.decode(datagram);
        if (answer.kind() == StunAnswer.Kind.MALFORMED) {
            malformed.increment();
            return;
        }
        Pending p = pending.get(answer.transactionId());
        if (p == null || !p.to().equals(from) || !pending.remove(answer.transactionId(), p)) {
            unmatched.increment();
            return;
        }
        changed(p.server(), p.server().answered(arrivedNanos - p.sentNanos(), answer.errorCode(),
                System.currentTimeMillis()));
    }

    private void changed(ProbedServer server, boolean verdictChanged) {
        if (!verdictChanged) {
            return;
        }
        ServerStatus s = server.status();
        LOG.infof("ICE server %s is now %s: %s", s.url(), s.healthy() ? "healthy" : "unhealthy", s.detail());
        server.published(System.currentTimeMillis());
        publisher.publish(s);
    }

    private void warnOnce(String key, String format, Object... args) {
        if (warned.add(key)) {
            LOG.warnf(format, args);
        }
    }
}
