package io.icemesh.media;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.media.config.MediaConfig;
import io.icemesh.media.control.CommandAssignment;
import io.icemesh.media.control.CommandTarget;
import io.icemesh.media.control.MediaPublisher;
import io.icemesh.media.dtls.DtlsCertificate;
import io.icemesh.media.dtls.DtlsWarmUp;
import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.EndpointObserver;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.forward.Forwarder;
import io.icemesh.media.forward.LayerSelection;
import io.icemesh.media.forward.ReportScheduler;
import io.icemesh.media.ice.IceHarvesters;
import io.icemesh.media.ice.IceSession;
import io.icemesh.media.ice.PeerNetworks;
import io.icemesh.media.metrics.MediaMetrics;
import io.icemesh.media.room.Rooms;
import io.icemesh.media.room.RoomsWarmUp;
import io.icemesh.media.srtp.SrtpProfile;
import io.icemesh.media.srtp.SrtpSession;
import io.icemesh.media.stream.RetransmissionLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The media node: binds the UDP port at start, holds the certificate, rooms and forwarder, turns transport outcomes
 * into session events and metrics, announces itself, and drains on shutdown.
 */
@ApplicationScoped
public class MediaNode implements EndpointObserver, CommandTarget {

    private static final Logger LOG = Logger.getLogger(MediaNode.class);
    /** ICE candidate priority of a host candidate: type preference 126, local preference 65535, component 1 (RFC 8445 5.1.2.1). */
    static final long HOST_PRIORITY = (126L << 24) | (65535L << 8) | 255;
    /** Priority of the public-address candidate: server-reflexive type preference 100. */
    static final long SRFLX_PRIORITY = (100L << 24) | (65535L << 8) | 255;

    @Inject
    MediaConfig config;

    @Inject
    MediaPublisher publisher;

    @Inject
    CommandAssignment commandAssignment;

    @Inject
    MeterRegistry registry;

    private volatile IceHarvesters harvesters;
    private volatile Rooms rooms;
    private volatile Forwarder forwarder;
    private volatile MediaMetrics metrics;
    private volatile boolean draining;
    private volatile boolean started;
    private boolean stopped;
    private ScheduledExecutorService timers;
    private ScheduledExecutorService watchdogTimer;
    private final TimerWatchdog watchdog = new TimerWatchdog(System::nanoTime);
    private volatile long consentTimeoutMillis = Long.MAX_VALUE;

    void start(@Observes StartupEvent event) {
        try {
            harvesters = IceHarvesters.bind(config.ice().bindAddress(), config.ice().udpPort(),
                    PeerNetworks.parse(config.ice().allowedPeerNetworks()), config.ice().receiveBufferBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind media UDP port " + config.ice().udpPort(), e);
        }
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "media-timers");
            t.setDaemon(true);
            return t;
        });
        timers.scheduleAtFixedRate(watchdog::beat, 0, 250, TimeUnit.MILLISECONDS);
        watchdogTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "media-timer-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdogTimer.scheduleWithFixedDelay(watchdog::check, 1, 1, TimeUnit.SECONDS);
        DtlsCertificate certificate = DtlsCertificate.generate("icemesh-media-" + config.nodeId());
        metrics = new MediaMetrics(registry, this::endpointCount);
        MediaConfig.Feedback feedback = config.feedback();
        forwarder = new Forwarder(metrics, config.forward().pliMinInterval().toNanos(), new RetransmissionLimits(
                feedback.nackCachePackets(), feedback.nackCacheMaxAge().toNanos(), feedback.rtxMaxBitrate(),
                feedback.rtxMinInterval().toNanos()), new LayerSelection(metrics, feedback.rembMaxAge().toNanos()));
        List<SrtpProfile> profiles = config.dtls().aeadGcm()
                ? List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80)
                : List.of(SrtpProfile.AES_CM_128_HMAC_SHA1_80);
        warmUpSrtp(profiles);
        if (config.warmUp().dtlsHandshakes() > 0) {
            try {
                DtlsWarmUp.Result warm = DtlsWarmUp.run(certificate, profiles, config.warmUp().dtlsHandshakes(),
                        config.warmUp().budget());
                LOG.infof("DTLS warm-up: %d handshakes in memory, the first %d ms, the last %d ms",
                        warm.handshakes(), warm.firstMillis(), warm.lastMillis());
            } catch (RuntimeException | LinkageError e) {
                // The node serves without it, as it would with the warm-up off.
                LOG.warnf(e, "DTLS warm-up failed; the node starts without it");
            }
        }
        // The DTLS server starts with ICE and waits for the client's first flight, so its bound covers ICE's too.
        NodeContext node = new NodeContext(harvesters, certificate, candidateLines(), profiles,
                config.dtls().handshakeTimeout().plus(config.ice().connectTimeout()),
                config.forward().maxSsrcsPerEndpoint(), forwarder, this);
        rooms = new Rooms(node, publisher, config.capacity(),
                (subscriber, track) -> forwarder.requestKeyframe(subscriber, track,
                        MediaMetrics.PliCause.SUBSCRIBER_JOINED),
                subscriber -> forwarder.layerSelection().select(subscriber, System.nanoTime()));
        if (config.warmUp().roomRounds() > 0) {
            try {
                RoomsWarmUp.Result warm = RoomsWarmUp.run(node, config.warmUp().roomRounds(),
                        config.warmUp().budget());
                if (warm.failure() != null) {
                    LOG.warnf("command path warm-up stopped after %d rounds: %s", warm.rounds(), warm.failure());
                } else {
                    LOG.infof("command path warm-up: %d rounds of two endpoints allocated, answered (%d SFU offers"
                            + " answered) and ended, the first %d ms, the last %d ms", warm.rounds(),
                            warm.sfuOffersAnswered(), warm.firstMillis(), warm.lastMillis());
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warnf(e, "command path warm-up failed; the node starts without it");
            }
        }
        long idle = config.ice().idleTimeout().toNanos();
        long sweep = Math.max(100, Math.min(5_000, config.ice().idleTimeout().toMillis() / 4));
        timers.scheduleWithFixedDelay(() -> {
            try {
                rooms.endIdle(System.nanoTime(), idle);
            } catch (RuntimeException e) {
                LOG.errorf(e, "idle sweep failed");
            }
        }, sweep, sweep, TimeUnit.MILLISECONDS);
        // A key frame request held back by the PLI rate limit goes out when its interval ends.
        long deferredTick = Math.max(20, Math.min(100, config.forward().pliMinInterval().toMillis() / 5));
        timers.scheduleWithFixedDelay(() -> {
            try {
                forwarder.sendDeferredKeyframeRequests(System.nanoTime());
            } catch (RuntimeException e) {
                LOG.errorf(e, "deferred key frame requests failed");
            }
        }, deferredTick, deferredTick, TimeUnit.MILLISECONDS);
        long consentInterval = config.ice().consentInterval().toNanos();
        long consentTimeout = config.ice().consentTimeout().toNanos();
        if (consentInterval <= 0 || consentTimeout <= consentInterval) {
            throw new IllegalStateException("icemesh.media.ice.consent-timeout (" + config.ice().consentTimeout()
                    + ") must exceed icemesh.media.ice.consent-interval (" + config.ice().consentInterval() + ")");
        }
        consentTimeoutMillis = config.ice().consentTimeout().toMillis();
        long consentTick = Math.max(50, config.ice().consentInterval().toMillis() / 5);
        timers.scheduleWithFixedDelay(() -> {
            try {
                long now = System.nanoTime();
                for (Endpoint ep : rooms.endpoints()) {
                    if (ep.isClosed()) {
                        continue;
                    }
                    IceSession ice = ep.transport().ice();
                    ice.checkConsent(now, consentInterval);
                    // RFC 7675: the client has answered no consent check for the timeout; stop sending to it. While
                    // an ICE restart runs (the old path is usually what died), its own connect timeout decides.
                    if (ep.transport().restartingIce() == null && ice.consentExpired(now, consentTimeout)) {
                        LOG.infof("endpoint %s in room %s: consent expired, ending it (%s)", ep.id(), ep.roomId(),
                                ice.consentState(now, ep.transport().lastActivityNanos()));
                        transportFailed(ep, CONSENT_EXPIRED);
                        continue;
                    }
                    String warning = ice.consentWarning(now, consentInterval, ep.transport().lastActivityNanos());
                    if (warning != null) {
                        LOG.infof("endpoint %s in room %s: no consent answer for %d ms (%s)", ep.id(), ep.roomId(),
                                ice.consentSilenceMillis(now), warning);
                    }
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "consent checks failed");
            }
        }, consentTick, consentTick, TimeUnit.MILLISECONDS);
        long reportMillis = Math.max(100, feedback.reportInterval().toMillis());
        ReportScheduler reports = new ReportScheduler(metrics, TimeUnit.MILLISECONDS.toNanos(reportMillis),
                feedback.rembMaxBitrate(), feedback.rembMaxAge().toNanos());
        timers.scheduleAtFixedRate(() -> {
            try {
                Endpoint[] all = rooms.endpoints();
                long now = System.nanoTime();
                for (Endpoint ep : all) {
                    forwarder.layerSelection().select(ep, now);
                }
                reports.run(all, now);
            } catch (RuntimeException e) {
                LOG.errorf(e, "RTCP report run failed");
            }
        }, reportMillis, reportMillis, TimeUnit.MILLISECONDS);
        LOG.infof("media node %s on UDP %s port %d, certificate %s", config.nodeId(), harvesters.addresses(),
                harvesters.port(), certificate.fingerprint().value());
        started = true;
        announce();
    }

    /**
     * Whether start-up is done (port bound, warm-ups run, rooms ready): the command consumer and the announcement
     * timer start before this observer, so neither may treat the node as serving until then.
     */
    public boolean started() {
        return started;
    }

    /** The ENDED and FAILED reason of an endpoint whose client stopped answering consent checks (RFC 7675). */
    public static final String CONSENT_EXPIRED = "consent-expired";

    void stop(@Observes ShutdownEvent event) {
        drainAndStop();
    }

    /**
     * Drain, then stop (what shutdown does, callable once): announce draining and refuse new endpoints, let existing
     * ones go on until they end or {@code icemesh.media.drain.grace} passes, then end the rest ({@code node-shutdown})
     * and close the UDP port. Blocks until done.
     */
    public synchronized void drainAndStop() {
        if (rooms == null || stopped) {
            return;
        }
        stopped = true;
        draining = true;
        rooms.drain();
        announce();
        long deadline = System.nanoTime() + config.drain().grace().toNanos();
        while (rooms.endpointCount() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        rooms.endAll("node-shutdown");
        timers.shutdownNow();
        watchdogTimer.shutdownNow();
        harvesters.close();
    }

    /**
     * jitsi-srtp picks its fastest AES implementation with a benchmark the first time a cipher is used: seconds on a
     * busy machine. Done here, before the node is ready, it does not stall the port's receive thread (and every
     * endpoint's ICE checks with it) at the first DTLS handshake.
     */
    private static void warmUpSrtp(List<SrtpProfile> profiles) {
        long start = System.nanoTime();
        for (SrtpProfile p : profiles) {
            byte[] material = new byte[p.keyingMaterialLength()];
            new java.security.SecureRandom().nextBytes(material);
            SrtpSession server = new SrtpSession(p, material, true, 1);
            SrtpSession client = new SrtpSession(p, material, false, 1);
            byte[] buf = new byte[64];
            buf[0] = (byte) 0x80;
            buf[1] = 96;
            buf[11] = 1;
            io.icemesh.media.srtp.PacketBuffer packet = new io.icemesh.media.srtp.PacketBuffer(buf, 0, 20);
            int n = server.protectRtp(packet, 1);
            if (n < 0 || client.unprotectRtp(new io.icemesh.media.srtp.PacketBuffer(buf, 0, n), 1) < 0) {
                LOG.warnf("SRTP warm-up with %s did not round-trip", p);
            }
            server.close();
            client.close();
        }
        LOG.infof("SRTP ciphers ready in %d ms", (System.nanoTime() - start) / 1_000_000);
    }

    /** The a=candidate values: a host candidate per bound address, plus the public address if configured. */
    List<String> candidateLines() {
        List<String> lines = new ArrayList<>();
        int port = harvesters.port();
        int foundation = 1;
        for (InetAddress a : harvesters.addresses()) {
            lines.add(foundation++ + " 1 udp " + HOST_PRIORITY + " " + a.getHostAddress() + " " + port + " typ host");
        }
        String pub = config.ice().publicAddress();
        if (!MediaConfig.NONE.equals(pub) && !pub.isBlank()) {
            String base = harvesters.addresses().get(0).getHostAddress();
            lines.add(foundation + " 1 udp " + SRFLX_PRIORITY + " " + pub + " " + port + " typ srflx raddr " + base
                    + " rport " + port);
        }
        return lines;
    }

    @Override
    public Rooms rooms() {
        return rooms;
    }

    public MediaMetrics metrics() {
        return metrics;
    }

    /** How long since the node's timer thread last ran, in ms (see {@link TimerWatchdog}). */
    public long timerLagMillis() {
        return watchdog.lagMillis();
    }

    /**
     * Whether the timer thread has been stuck for longer than the consent timeout: the node can no longer keep
     * RFC 7675 (it would go on sending to clients whose consent ran out) nor send RTCP reports or key frame requests.
     */
    public boolean timersStuck() {
        return timerLagMillis() > consentTimeoutMillis;
    }

    /** The bound UDP port (0 before start). */
    public int udpPort() {
        IceHarvesters h = harvesters;
        return h == null ? 0 : h.port();
    }

    public boolean draining() {
        return draining;
    }

    public int endpointCount() {
        Rooms r = rooms;
        return r == null ? 0 : r.endpointCount();
    }

    /** The command consumer has its partitions: announce at once rather than at the next scheduled round. */
    void commandsAssigned(@Observes CommandAssignment.Assigned event) {
        announce();
    }

    @Scheduled(every = "${icemesh.media.announce.interval:2s}", delayed = "1s")
    void announce() {
        if (!started || !commandAssignment.assigned()) {
            // Not announced before commands can reach it: signaling places rooms only on announced nodes.
            return;
        }
        String pub = config.ice().publicAddress();
        String address = (MediaConfig.NONE.equals(pub) ? harvesters.addresses().get(0).getHostAddress() : pub) + ":"
                + harvesters.port();
        publisher.announce(new NodeAnnouncement(EventSchema.VERSION, config.nodeId(), NodeKind.MEDIA, address, List.of(),
                config.capacity(), endpointCount(), draining, System.currentTimeMillis()));
    }

    @Override
    public void watchIceTimeout(Endpoint e) {
        timers.schedule(() -> e.transport().ice().timeoutIfNotConnected(), config.ice().connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void iceConnected(Endpoint e, String localType, String remoteType, long elapsedNanos) {
        metrics.iceConnected(elapsedNanos);
        publisher.sessionEvent(event(e, SessionEventType.ICE_STATE_CHANGED).state("connected")
                .elapsedMs(elapsedNanos / 1_000_000).build());
        publisher.sessionEvent(event(e, SessionEventType.SELECTED_PAIR).localCandidateType(localType)
                .remoteCandidateType(remoteType).protocol("udp").build());
    }

    @Override
    public void iceRestarted(Endpoint e, String localType, String remoteType) {
        metrics.iceRestarted();
        publisher.sessionEvent(event(e, SessionEventType.ICE_STATE_CHANGED).state("connected").reason("ice-restart")
                .build());
        publisher.sessionEvent(event(e, SessionEventType.SELECTED_PAIR).localCandidateType(localType)
                .remoteCandidateType(remoteType).protocol("udp").build());
    }

    @Override
    public void watchIceRestartTimeout(Endpoint e, IceSession restarting) {
        timers.schedule(restarting::timeoutIfNotConnected, config.ice().connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void dtlsConnected(Endpoint e, SrtpProfile profile, long elapsedNanos) {
        metrics.dtlsConnected(elapsedNanos);
        publisher.sessionEvent(event(e, SessionEventType.ICE_STATE_CHANGED).state("dtls-connected")
                .elapsedMs(elapsedNanos / 1_000_000).reason(profile.name()).build());
        // A subscriber whose keys just arrived needs key frames of everything it is forwarded.
        forwarder.subscriberConnected(e);
    }

    @Override
    public void transportFailed(Endpoint e, String reason) {
        if (reason.startsWith("ice") || reason.equals(CONSENT_EXPIRED)) {
            metrics.iceFailed();
        } else {
            metrics.dtlsFailed();
        }
        publisher.sessionEvent(event(e, SessionEventType.FAILED).reason(reason).build());
        rooms.fail(e, reason);
    }

    @Override
    public void firstRtpIn(Endpoint e) {
        publisher.sessionEvent(event(e, SessionEventType.FIRST_MEDIA).state("rtp-in").build());
    }

    @Override
    public void firstRtpOut(Endpoint e) {
        publisher.sessionEvent(event(e, SessionEventType.FIRST_MEDIA).state("rtp-out").build());
    }

    private static SessionEvent.Builder event(Endpoint e, SessionEventType type) {
        return SessionEvent.builder(type, e.id(), EventSource.MEDIA).roomId(e.roomId()).peerId(e.id());
    }
}
