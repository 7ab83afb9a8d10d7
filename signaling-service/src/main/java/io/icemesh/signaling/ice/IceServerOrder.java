package io.icemesh.signaling.ice;

import io.icemesh.events.v1.ServerHealth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Orders candidate ICE server URLs into RTCIceServer entries: unhealthy URLs out, measured healthy ones first by
 * median RTT, never-measured ones after them in their given order. One entry per STUN URL (at most a few), one per
 * TURN host with all its URLs, placed where its best URL ranks, so the entries read best first whatever their scheme.
 * A URL without a verdict never goes before a measured one, neither among the entries nor inside a TURN entry.
 * Pure: the health verdicts come in as a function.
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
        List<IceUrl> unmeasured = new ArrayList<>();
        // One look at each verdict: they may change while the list is built, and the sort needs stable keys.
        Map<String, Double> rttOf = new HashMap<>();
        for (IceUrl url : candidates) {
            ServerHealth h = health.apply(url.url());
            if (h == null) {
                unmeasured.add(url);
            } else if (h.healthy()) {
                measured.add(url);
                rttOf.put(url.url(), rtt(h));
            }
        }
        measured.sort(Comparator.comparingDouble(u -> rttOf.get(u.url())));
        Set<String> measuredUrls = new HashSet<>();
        measured.forEach(u -> measuredUrls.add(u.url()));
        List<IceUrl> ranked = new ArrayList<>(measured);
        ranked.addAll(unmeasured);

        List<List<String>> entries = new ArrayList<>();
        List<Boolean> turn = new ArrayList<>();
        Map<String, List<String>> turnByHost = new HashMap<>();
        int stun = 0;
        for (IceUrl url : ranked) {
            if (url.isTurn()) {
                List<String> urls = turnByHost.get(url.host());
                if (urls == null) {
                    urls = new ArrayList<>();
                    turnByHost.put(url.host(), urls);
                    entries.add(urls);
                    turn.add(true);
                }
                urls.add(url.url());
            } else if (stun < maxStunUrls) {
                entries.add(List.of(url.url()));
                turn.add(false);
                stun++;
            }
        }
        // Within one TURN server, measured URLs first, then transports in their preference order (UDP, then TCP,
        // then TLS) whatever their probe times: a TCP connect and a STUN round trip do not compare, and clients such
        // as aiortc 1.4 use only the first TURN URL they are given, which must not be one nobody has measured.
        Comparator<String> inServer = Comparator.<String>comparingInt(u -> measuredUrls.contains(u) ? 0 : 1)
                .thenComparingInt(IceServerOrder::transportRank);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            List<String> urls = new ArrayList<>(entries.get(i));
            if (turn.get(i)) {
                urls.sort(inServer);
            }
            out.add(new Entry(List.copyOf(urls), turn.get(i)));
        }
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
