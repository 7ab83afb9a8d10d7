package io.icemesh.signaling.ice;

import io.icemesh.events.v1.ServerHealth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Orders candidate ICE server URLs into RTCIceServer entries: unhealthy URLs out, measured healthy ones first by
 * median RTT, unmeasured ones after in their given order; one entry per STUN URL (at most a few), one per TURN host
 * with all its URLs. Pure: the health verdicts come in as a function.
 */
final class IceServerOrder {

    /** One RTCIceServer entry's URLs; TURN entries get credentials. */
    record Entry(List<String> urls, boolean turn) {
    }

    private IceServerOrder() {
    }

    /**
     * @param candidates URLs in their given order (configured, then announced)
     * @param health a fresh verdict for a URL, or null when it has none (never measured, or not for a long time)
     * @param maxStunUrls most STUN entries
     */
    static List<Entry> order(List<IceUrl> candidates, Function<String, ServerHealth> health, int maxStunUrls) {
        List<IceUrl> measured = new ArrayList<>();
        List<IceUrl> unknown = new ArrayList<>();
        for (IceUrl url : candidates) {
            ServerHealth h = health.apply(url.url());
            if (h == null) {
                unknown.add(url);
            } else if (h.healthy()) {
                measured.add(url);
            }
        }
        measured.sort(Comparator.comparingDouble(u -> rtt(health.apply(u.url()))));
        measured.addAll(unknown);
        List<Entry> out = new ArrayList<>();
        int stun = 0;
        Map<String, List<String>> turnByHost = new LinkedHashMap<>();
        for (IceUrl url : measured) {
            if (url.isTurn()) {
                turnByHost.computeIfAbsent(url.host(), h -> new ArrayList<>()).add(url.url());
            } else if (stun < maxStunUrls) {
                out.add(new Entry(List.of(url.url()), false));
                stun++;
            }
        }
        // Within one TURN server, transports keep their preference order (UDP, then TCP, then TLS) whatever their
        // probe times: a TCP connect and a STUN round trip do not compare, and clients such as aiortc 1.4 use only
        // the first TURN URL they are given.
        turnByHost.values().forEach(urls -> {
            urls.sort(Comparator.comparingInt(IceServerOrder::transportRank));
            out.add(new Entry(List.copyOf(urls), true));
        });
        return out;
    }

    private static int transportRank(String url) {
        IceUrl parsed = IceUrl.parse(url);
        String transport = parsed == null ? null : parsed.transport();
        return "udp".equals(transport) ? 0 : "tcp".equals(transport) ? 1 : 2;
    }

    private static double rtt(ServerHealth h) {
        return h.rttP50Ms() == null ? Double.MAX_VALUE : h.rttP50Ms();
    }
}
