package io.icemesh.signaling.ice;

import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.NodeKind;
import io.icemesh.events.v1.ServerHealth;
import io.icemesh.signaling.config.SignalingConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The one place that builds ICE server lists. Sources: servers configured by hand and the URLs that turn-service
 * nodes announce; monitor's health events remove unhealthy URLs and rank the rest by measured round trip, ahead of
 * URLs never measured ({@link IceServerOrder}). Without any health data the configured order holds (then announced
 * nodes, least loaded first). Monitor probes the configured servers because {@link IceConfigAnnouncer} announces
 * them on {@code icemesh.nodes}.
 */
@ApplicationScoped
public class IceServerDirectory {

    private static final Logger LOG = Logger.getLogger(IceServerDirectory.class);

    /** A node that has not re-announced itself for this long is presumed gone. */
    static final Duration NODE_EXPIRY = Duration.ofSeconds(90);
    /** A health verdict older than this is ignored (monitor re-publishes every few seconds). */
    static final Duration HEALTH_EXPIRY = Duration.ofSeconds(120);

    private final Map<String, NodeAnnouncement> nodes = new ConcurrentHashMap<>();
    private final Map<String, ServerHealth> health = new ConcurrentHashMap<>();
    private final SignalingConfig config;
    private final Clock clock;

    @jakarta.inject.Inject
    IceServerDirectory(SignalingConfig config) {
        this(config, Clock.systemUTC());
    }

    IceServerDirectory(SignalingConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** One RTCIceServer entry. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record IceServer(List<String> urls, String username, String credential) {
    }

    /** A list for one session, with its credentials' lifetime. */
    public record IceServerList(List<IceServer> iceServers, long ttlSeconds, Instant expiresAt) {
    }

    /** A turn node's announcement, or a tombstone; other kinds (media, signaling's own list) do not apply here. */
    public void onNode(String nodeId, NodeAnnouncement announcement) {
        if (announcement != null && announcement.kind() != NodeKind.TURN) {
            return;
        }
        if (announcement == null) {
            if (nodes.remove(nodeId) != null) {
                LOG.infof("node %s withdrawn", nodeId);
            }
            return;
        }
        if (nodes.put(announcement.nodeId(), announcement) == null) {
            LOG.infof("node %s (%s) announced %s", announcement.nodeId(), announcement.kind(), announcement.iceUrls());
        }
    }

    public void onHealth(ServerHealth verdict) {
        ServerHealth before = health.put(verdict.url(), verdict);
        if (before == null || before.healthy() != verdict.healthy()) {
            LOG.infof("ICE server %s is now %s (%s)", verdict.url(), verdict.healthy() ? "healthy" : "unhealthy",
                    verdict.detail());
        }
    }

    public IceServerList listFor(String sessionId) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(config.ice().credentialTtl());
        TurnRestCredentials.Credential credential =
                TurnRestCredentials.issue(config.ice().turnSecret(), sessionId, expiresAt);
        List<IceServer> out = new ArrayList<>();
        for (IceServerOrder.Entry entry : IceServerOrder.order(candidates(now), url -> fresh(url, now),
                config.ice().maxStunUrls())) {
            out.add(entry.turn() ? new IceServer(entry.urls(), credential.username(), credential.password())
                    : new IceServer(entry.urls(), null, null));
        }
        return new IceServerList(List.copyOf(out), config.ice().credentialTtl().toSeconds(), expiresAt);
    }

    /** The configured URLs that are ICE server URLs, in order, without duplicates: what monitor must probe. */
    public List<String> configuredUrls() {
        Set<String> out = new LinkedHashSet<>();
        for (String url : config.ice().servers().orElse(List.of())) {
            IceUrl parsed = IceUrl.parse(url);
            if (parsed != null) {
                out.add(parsed.url());
            }
        }
        return List.copyOf(out);
    }

    /** Configured URLs in order, then URLs of live TURN nodes, least loaded first; duplicates and bad URLs dropped. */
    private List<IceUrl> candidates(Instant now) {
        Set<String> seen = new LinkedHashSet<>();
        List<IceUrl> out = new ArrayList<>();
        for (String url : config.ice().servers().orElse(List.of())) {
            add(url, seen, out);
        }
        if (config.ice().useAnnouncedNodes()) {
            nodes.values().stream()
                    .filter(n -> n.kind() == NodeKind.TURN && !n.draining() && n.iceUrls() != null)
                    .filter(n -> Instant.ofEpochMilli(n.timestampMs()).plus(NODE_EXPIRY).isAfter(now))
                    .sorted(Comparator.comparingDouble(IceServerDirectory::loadRatio))
                    .forEach(n -> n.iceUrls().forEach(u -> add(u, seen, out)));
        }
        return out;
    }

    private static void add(String url, Set<String> seen, List<IceUrl> out) {
        IceUrl parsed = IceUrl.parse(url);
        if (parsed == null) {
            LOG.warnf("ignoring ICE server URL %s: not a stun:, stuns:, turn: or turns: URL", url);
        } else if (seen.add(parsed.url())) {
            out.add(parsed);
        }
    }

    /** The URL's verdict, or null when it has none or only one older than {@link #HEALTH_EXPIRY}. */
    private ServerHealth fresh(String url, Instant now) {
        ServerHealth h = health.get(url);
        return h != null && Instant.ofEpochMilli(h.checkedAtMs()).plus(HEALTH_EXPIRY).isAfter(now) ? h : null;
    }

    private static double loadRatio(NodeAnnouncement n) {
        return n.capacity() <= 0 ? 1.0 : (double) n.load() / n.capacity();
    }
}
