package io.icemesh.signaling.ice;

import io.icemesh.events.v1.EventMessages;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Announces the configured ICE servers (URLs only, never credentials) on {@code icemesh.nodes} as a
 * {@link NodeKind#SIGNALING} announcement, so that monitor probes every server signaling may hand out without a
 * second list in monitor's configuration. The key is a digest of the URL list: every instance with the same list
 * overwrites one record, and instances with different lists (during a configuration change) keep one record each
 * instead of overwriting each other's. A list nobody announces any more leaves monitor's probes after its
 * {@code announcement-ttl}.
 */
@Startup
@ApplicationScoped
public class IceConfigAnnouncer {

    private static final Logger LOG = Logger.getLogger(IceConfigAnnouncer.class);

    /** The outgoing channel; its topic ({@code icemesh.nodes}) and serializer are in application.properties. */
    public static final String CHANNEL = "ice-config";
    /** Key prefix of the announcement; the rest is the first 12 hex digits of the list's SHA-256. */
    public static final String NODE_ID_PREFIX = "signaling-ice-config-";
    /** Well within monitor's {@code icemesh.monitor.probe.announcement-ttl} (5 m), past which it stops probing. */
    static final Duration INTERVAL = Duration.ofSeconds(30);

    private static final URI SOURCE = URI.create("/icemesh/signaling-service");
    /** A few announcements wait while the broker is away; later ones replace them anyway. */
    private static final int BUFFER_SIZE = 16;
    private static final int DIGEST_HEX_DIGITS = 12;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER_SIZE)
    Emitter<NodeAnnouncement> emitter;

    private final List<String> urls;
    private final String nodeId;
    private ScheduledExecutorService scheduler;

    IceConfigAnnouncer(IceServerDirectory directory) {
        this.urls = directory.configuredUrls();
        this.nodeId = nodeIdOf(urls);
    }

    void start(@Observes StartupEvent started) {
        if (urls.isEmpty()) {
            LOG.info("no ICE servers configured: nothing to announce for monitor's probes");
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "icemesh-ice-config-announcer");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(this::announce, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("announcing configured ICE servers %s as %s every %s", urls, nodeId, INTERVAL);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** The announcement this instance publishes. */
    NodeAnnouncement announcement() {
        return new NodeAnnouncement(EventSchema.VERSION, nodeId, NodeKind.SIGNALING, null, urls, 0, 0, false,
                System.currentTimeMillis());
    }

    private void announce() {
        NodeAnnouncement announcement = announcement();
        try {
            emitter.send(EventMessages.of(announcement, nodeId, EventSchema.cloudEventType("node", NodeKind.SIGNALING),
                    SOURCE));
        } catch (RuntimeException e) {
            // Buffer full or channel down: the next round tries again.
            LOG.warnf("ICE server announcement not queued: %s", e.getMessage());
        }
    }

    /** The same list gives the same id on every instance. */
    static String nodeIdOf(List<String> urls) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\n", urls).getBytes(StandardCharsets.UTF_8));
            return NODE_ID_PREFIX + HexFormat.of().formatHex(digest).substring(0, DIGEST_HEX_DIGITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
