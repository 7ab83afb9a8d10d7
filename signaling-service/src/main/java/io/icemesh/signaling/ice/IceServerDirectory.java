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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The one place that builds ICE server lists. Sources: servers configured by hand and the URLs that turn-service
 * nodes announce; monitor's health events remove unhealthy URLs and rank the rest by measured round trip. Without
 * any health data the configured order holds (then announced nodes, least loaded first).
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

    public void onNode(String nodeId, NodeAnnouncement announcement) {
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
        List<IceUrl> ranked = rank(candidates(now), now);
        Instant expiresAt = now.plus(config.ice().credentialTtl());
        TurnRestCredentials.Credential credential =
                TurnRestCredentials.issue(config.ice().turnSecret(), sessionId, expiresAt);
        List<IceServer> out = new ArrayList<>();
        int stun = 0;
        Map<String, List<String>> turnByHost = new LinkedHashMap<>();
        for (IceUrl url : ranked) {
            if (url.isTurn()) {
                turnByHost.computeIfAbsent(url.host(), h -> new ArrayList<>()).add(url.url());
            } else if (stun < config.ice().maxStunUrls()) {
                out.add(new IceServer(List.of(url.url()), null, null));
                stun++;
            }
        }
        // Within one TURN server, transports keep their preference order (UDP, then TCP, then TLS) whatever their
        // probe times: a TCP connect and a STUN round trip do not compare, and clients such as aiortc 1.4 use only
        // the first TURN URL they are given.
        turnByHost.values().forEach(urls -> {
            urls.sort(Comparator.comparingInt(IceServerDirectory::transportRank));
            out.add(new IceServer(List.copyOf(urls), credential.username(), credential.password()));
        });
        return new IceServerList(List.copyOf(out), config.ice().credentialTtl().toSeconds(), expiresAt);
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

    /** Unhealthy URLs out; measured healthy ones first by median RTT; unmeasured ones after, in their given order. */
    private List<IceUrl> rank(List<IceUrl> candidates, Instant now) {
        List<IceUrl> measured = new ArrayList<>();
        List<IceUrl> unknown = new ArrayList<>();
        for (IceUrl url : candidates) {
            ServerHealth h = health.get(url.url());
            boolean fresh = h != null && Instant.ofEpochMilli(h.checkedAtMs()).plus(HEALTH_EXPIRY).isAfter(now);
            if (!fresh) {
                unknown.add(url);
            } else if (h.healthy()) {
                measured.add(url);
            }
        }
        measured.sort(Comparator.comparingDouble(u -> rtt(health.get(u.url()))));
        measured.addAll(unknown);
        return measured;
    }

    private static int transportRank(String url) {
        IceUrl parsed = IceUrl.parse(url);
        String transport = parsed == null ? null : parsed.transport();
        return "udp".equals(transport) ? 0 : "tcp".equals(transport) ? 1 : 2;
    }

    private static double rtt(ServerHealth h) {
        return h.rttP50Ms() == null ? Double.MAX_VALUE : h.rttP50Ms();
    }

    private static double loadRatio(NodeAnnouncement n) {
        return n.capacity() <= 0 ? 1.0 : (double) n.load() / n.capacity();
    }
}
