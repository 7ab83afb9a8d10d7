package io.icemesh.doctor;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The doctor's answer: a verdict per URL in plain words, worst first; what aiortc and Chromium do with the list; the
 * NAT's behaviour; the recommended list, best first, as browser {@code iceServers} JSON and as aiortc
 * {@code RTCConfiguration}. Printed as text for people or as JSON for machines.
 */
final class Report {

    /** One line of the verdict. */
    record Finding(ServerResult.Status status, String url, String text) {
    }

    /** A real aiortc gathering with the list ({@code --client aiortc}). */
    record Measured(double gatheringMillis, boolean ok, String error, List<String> candidateTypes) {
    }

    final List<ServerResult> results;
    final Nat.Result nat;
    final Prediction.Aiortc aiortc;
    final String chromium;
    final long elapsedNanos;
    final List<Finding> findings;
    final List<Map<String, Object>> recommended;
    Measured measured;

    Report(List<ServerResult> results, Nat.Result nat, long elapsedNanos) {
        this.results = results;
        this.nat = nat;
        this.elapsedNanos = elapsedNanos;
        this.aiortc = Prediction.aiortc(results);
        this.chromium = Prediction.chromium(results);
        this.findings = findings();
        this.recommended = recommended(results);
    }

    /** True when any listed server failed: the exit status is then non-zero. */
    boolean anyFailed() {
        return results.stream().anyMatch(r -> !r.ok());
    }

    private List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        ServerResult bestStun = results.stream().filter(r -> r.ok() && r.url.scheme().equals("stun"))
                .min(Comparator.comparingDouble(ServerResult::answerMillis)).orElse(null);
        List<ServerResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparing((ServerResult r) -> r.status)
                .thenComparing(r -> r == aiortc.stun() || r == aiortc.turn() ? 0 : 1));
        for (ServerResult r : sorted) {
            out.add(new Finding(r.status, r.url.text(), sentence(r, bestStun)));
        }
        return out;
    }

    private String sentence(ServerResult r, ServerResult bestStun) {
        StringBuilder sb = new StringBuilder(r.url.text());
        String dns = r.dns == null || r.dns.literal() || !r.dns.ok() || r.failure == null
                || !r.failure.startsWith("never answered") ? ""
                : "resolved in " + millis(r.dns.millis()) + " but ";
        if (r.status == ServerResult.Status.FAILED) {
            if (r.dns != null && !r.dns.ok()) {
                sb.append(": ").append(r.failure).append(", so no client gets anything from it. Fix the name or "
                        + "remove it.");
                return sb.toString();
            }
            sb.append(' ').append(dns).append(r.failure);
            if (r.url.isStun()) {
                if (r == aiortc.stun() && aiortc.stunWaitsFull()) {
                    sb.append(": every aiortc gathering with this list waits ")
                            .append(seconds((long) Prediction.AIORTC_STUN_WAIT_MS)).append(". ");
                    if (bestStun != null) {
                        sb.append("Put ").append(bestStun.url).append(" (answered in ")
                                .append(millis(bestStun.answerMillis())).append(") first, or remove it.");
                    } else {
                        sb.append("Remove it, or list a STUN server that answers.");
                    }
                } else {
                    sb.append(": Chromium gets no server-reflexive candidate from it").append(r == aiortc.stun()
                            ? "" : r.url.scheme().equals("stun")
                            ? " (aiortc ignores it: it uses only the first stun: URL)" : "").append(". Remove it.");
                }
            } else {
                sb.append(r.failure.endsWith(".") || r.failure.endsWith("it") ? ", so " : ": ")
                        .append("clients get no relay candidate from it");
                if (r == aiortc.turn()) {
                    sb.append(", and aiortc's gathering raises (its only TURN URL)");
                }
                sb.append("; calls that need a relay (a symmetric NAT, UDP blocked) fail. Fix it or remove it.");
            }
            return sb.toString();
        }
        sb.append(' ').append(summary(r));
        if (r.status == ServerResult.Status.WARNING) {
            sb.append("; but ").append(String.join("; ", r.warnings));
        }
        return sb.append('.').toString();
    }

    private static String summary(ServerResult r) {
        if (r.url.isStun()) {
            return "answered in " + millis(r.answerMillis()) + (r.mapped == null ? "" : " (mapped address "
                    + address(r.mapped) + ")");
        }
        String s = "allocated relay " + address(r.relay) + " in " + millis(r.answerMillis());
        if (r.relayRoundTripNanos >= 0) {
            s += "; data went through it and back in " + millis(r.relayRoundTripNanos / 1e6);
        }
        return s;
    }

    /** Working URLs, best first: STUN over UDP (at most two), then TURN over UDP, TCP and TLS, each by speed. */
    static List<Map<String, Object>> recommended(List<ServerResult> results) {
        List<ServerResult> ok = results.stream().filter(ServerResult::ok)
                .sorted(Comparator.comparingInt(Report::rank).thenComparingDouble(ServerResult::answerMillis))
                .toList();
        List<Map<String, Object>> servers = new ArrayList<>();
        List<String> stun = new ArrayList<>();
        for (ServerResult r : ok) {
            if (r.url.scheme().equals("stun") && stun.size() < 2) {
                stun.add(r.url.text());
            }
        }
        if (!stun.isEmpty()) {
            servers.add(new LinkedHashMap<>(Map.of("urls", stun)));
        }
        for (ServerResult r : ok) {
            if (!r.url.isTurn()) {
                continue;
            }
            Map<String, Object> same = servers.stream().filter(s -> Objects.equals(s.get("username"), r.username)
                    && Objects.equals(s.get("credential"), r.credential) && s.containsKey("username")).findFirst()
                    .orElse(null);
            if (same == null) {
                same = new LinkedHashMap<>();
                same.put("urls", new ArrayList<String>());
                same.put("username", r.username);
                same.put("credential", r.credential);
                servers.add(same);
            }
            @SuppressWarnings("unchecked")
            List<String> urls = (List<String>) same.get("urls");
            urls.add(r.url.text());
        }
        return servers;
    }

    private static int rank(ServerResult r) {
        if (r.url.isStun()) {
            return r.url.scheme().equals("stun") ? 0 : 4;
        }
        return 1 + r.url.transport().ordinal();
    }

    /** The aiortc form of the recommendation: the one STUN and the one TURN URL aiortc would use, best first. */
    String aiortcSnippet() {
        String stun = null;
        Map<String, Object> turn = null;
        String turnUrl = null;
        for (Map<String, Object> s : recommended) {
            @SuppressWarnings("unchecked")
            List<String> urls = (List<String>) s.get("urls");
            for (String u : urls) {
                if (stun == null && u.startsWith("stun:")) {
                    stun = u;
                }
                if (turnUrl == null && u.startsWith("turn") && !(u.startsWith("turns:") && u.contains("udp"))) {
                    turnUrl = u;
                    turn = s;
                }
            }
        }
        StringBuilder sb = new StringBuilder("RTCConfiguration(iceServers=[\n");
        if (stun != null) {
            sb.append("    RTCIceServer(urls=\"").append(stun).append("\"),\n");
        }
        if (turn != null) {
            sb.append("    RTCIceServer(urls=\"").append(turnUrl).append("\", username=\"").append(turn.get("username"))
                    .append("\", credential=\"").append(turn.get("credential")).append("\"),\n");
        }
        return sb.append("])").toString();
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("ICE doctor: ").append(results.size()).append(results.size() == 1 ? " URL" : " URLs")
                .append(" checked in ").append(seconds(elapsedNanos / 1_000_000)).append("\n\n");
        sb.append("Verdict, worst first:\n");
        for (Finding f : findings) {
            sb.append("  ").append(switch (f.status()) {
                case FAILED -> "FAIL ";
                case WARNING -> "SLOW ";
                case OK -> "OK   ";
            }).append(f.text()).append('\n');
        }
        sb.append("\nWhat clients do with this list:\n");
        sb.append("  ").append(aiortc.text()).append(".\n");
        if (measured != null) {
            sb.append("  aiortc measured here: ").append(measured.ok()
                    ? "gathered in " + millis(measured.gatheringMillis()) + " (predicted "
                    + millis(aiortc.gatheringMillis()) + "), candidates " + String.join(", ", measured.candidateTypes())
                    : "gathering failed after " + millis(measured.gatheringMillis()) + ": " + measured.error())
                    .append(".\n");
        }
        sb.append("  ").append(chromium).append(".\n");
        sb.append("\nNAT: ").append(nat.text()).append(".\n");
        sb.append("\nPer URL:\n");
        for (ServerResult r : results) {
            sb.append("  ").append(r.url).append('\n').append("      ").append(detail(r)).append('\n');
        }
        sb.append("\nRecommended list, best first (browser iceServers):\n");
        sb.append(recommended.isEmpty() ? "  none of the listed servers works\n"
                : indent(Json.write(recommended), "  ") + "\n");
        if (!recommended.isEmpty()) {
            sb.append("aiortc:\n").append(indent(aiortcSnippet(), "  ")).append('\n');
        }
        return sb.toString();
    }

    private static String detail(ServerResult r) {
        List<String> parts = new ArrayList<>();
        if (r.dns != null) {
            parts.add(r.dns.literal() ? "address literal" : r.dns.ok() ? "DNS " + millis(r.dns.millis()) + " -> "
                    + String.join(", ", r.dns.addresses().stream().map(a -> a.getHostAddress()).toList())
                    : "DNS failed after " + millis(r.dns.millis()));
        }
        if (r.connectNanos >= 0) {
            parts.add("TCP connect " + millis(r.connectNanos / 1e6));
        }
        if (r.tls != null) {
            parts.add(r.tls.protocol() + " handshake " + millis(r.tls.handshakeNanos() / 1e6) + ", certificate "
                    + r.tls.subject() + (r.tls.notAfter() == null ? "" : " until " + r.tls.notAfter()));
        }
        if (r.binding != null) {
            parts.add("Binding sent at " + r.binding.sentAtMillis() + " ms, " + (r.binding.answered()
                    ? "answered after " + millis(r.binding.elapsedMillis()) : "no answer"));
        }
        if (r.challenge != null) {
            parts.add("unauthenticated Allocate " + (r.challenge.answered() ? "answered after "
                    + millis(r.challenge.elapsedMillis()) : "unanswered, sent at " + r.challenge.sentAtMillis() + " ms"));
        }
        if (r.allocate != null) {
            parts.add("Allocate " + (r.allocate.answered() ? "answered after " + millis(r.allocate.elapsedMillis())
                    : "unanswered"));
        }
        if (r.mapped != null) {
            parts.add("mapped " + address(r.mapped));
        }
        if (r.relay != null) {
            parts.add("relay " + address(r.relay));
        }
        if (r.relayRoundTripNanos >= 0) {
            parts.add("relay round trip " + millis(r.relayRoundTripNanos / 1e6));
        } else if (r.relayNote != null) {
            parts.add("relay round trip not done: " + r.relayNote);
        }
        return String.join("; ", parts);
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", !anyFailed());
        m.put("elapsedMs", round(elapsedNanos / 1e6));
        List<Object> fs = new ArrayList<>();
        for (Finding f : findings) {
            fs.add(ordered("status", f.status().name().toLowerCase(Locale.ROOT), "url", f.url(), "text", f.text()));
        }
        m.put("verdict", fs);
        List<Object> servers = new ArrayList<>();
        for (ServerResult r : results) {
            Map<String, Object> s = ordered("url", r.url.text(), "status", r.status.name().toLowerCase(Locale.ROOT),
                    "failure", r.failure, "warnings", r.warnings);
            if (r.dns != null) {
                s.put("dns", ordered("literal", r.dns.literal(), "ms", round(r.dns.millis()), "addresses",
                        r.dns.addresses().stream().map(a -> a.getHostAddress()).toList(), "error", r.dns.error()));
            }
            if (r.connectNanos >= 0) {
                s.put("tcpConnectMs", round(r.connectNanos / 1e6));
            }
            if (r.tls != null) {
                s.put("tls", ordered("protocol", r.tls.protocol(), "handshakeMs", round(r.tls.handshakeNanos() / 1e6),
                        "subject", r.tls.subject(), "notAfter", String.valueOf(r.tls.notAfter()), "problems",
                        r.tls.problems()));
            }
            putExchange(s, "binding", r.binding);
            putExchange(s, "challenge", r.challenge);
            putExchange(s, "allocate", r.allocate);
            s.put("mapped", r.mapped == null ? null : address(r.mapped));
            s.put("relay", r.relay == null ? null : address(r.relay));
            s.put("relayRoundTripMs", r.relayRoundTripNanos < 0 ? null : round(r.relayRoundTripNanos / 1e6));
            s.put("relayNote", r.relayNote);
            s.put("answerMs", round(r.answerMillis()));
            servers.add(s);
        }
        m.put("servers", servers);
        m.put("nat", ordered("mapping", nat.mapping().name().toLowerCase(Locale.ROOT).replace('_', '-'), "text",
                nat.text()));
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put("aiortc", ordered("predictedGatheringMs", round(aiortc.gatheringMillis()), "fails",
                aiortc.fails(), "stun", aiortc.stun() == null ? null : aiortc.stun().url.text(), "turn",
                aiortc.turn() == null ? null : aiortc.turn().url.text(), "text", aiortc.text()));
        if (measured != null) {
            clients.put("aiortcMeasured", ordered("gatheringMs", round(measured.gatheringMillis()), "ok", measured.ok(),
                    "error", measured.error(), "candidateTypes", measured.candidateTypes()));
        }
        clients.put("chromium", ordered("text", chromium));
        m.put("clients", clients);
        m.put("recommended", ordered("iceServers", recommended, "aiortc", recommended.isEmpty() ? null
                : aiortcSnippet()));
        return m;
    }

    private static void putExchange(Map<String, Object> s, String name, Exchange.Outcome o) {
        if (o != null) {
            s.put(name, ordered("answered", o.answered(), "sentAtMs", o.sentAtMillis(), "ms", round(o.elapsedMillis())));
        }
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String indent(String text, String prefix) {
        return prefix + text.replace("\n", "\n" + prefix);
    }

    static String millis(double ms) {
        if (ms >= 1000) {
            return seconds((long) ms);
        }
        return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    static String address(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
