package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Benchmark, not a test: how long three Chromium pages in an SFU room go without each other's video when their media
 * node crashes (SIGKILL) or drains (SIGTERM), on two media-service nodes ({@code ./icemesh up -d --scale media=2}).
 * Each round signals the node that holds the room and measures until every page's new SFU connection goes to the other
 * node and decodes both other publishers (polled about every 100 ms), then restarts the signalled node; rounds
 * alternate crash and drain. For a drain this is the time to move: the draining node keeps forwarding meanwhile.
 *
 *   ./mvnw -q -pl testkit install && ./mvnw -q -pl mesh-tests test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.icemesh.mesh.FailoverBench -Dexec.args="10"
 */
public final class FailoverBench {

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        System.out.println("load average at start: " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        List<Long> crashes = new ArrayList<>();
        List<Long> drains = new ArrayList<>();
        try (Mesh mesh = new Mesh()) {
            System.out.println("logs: " + mesh.home.resolve("logs"));
            mesh.upWithTwoMediaNodes();
            int http0 = mesh.ports.get("media");
            int udp0 = Integer.parseInt(mesh.env.get("ICEMESH_MEDIA_UDP_PORT"));
            String room = "failover-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (SfuPage a = SfuPage.join(mesh, room, "a", ""); SfuPage b = SfuPage.join(mesh, room, "b", "");
                    SfuPage c = SfuPage.join(mesh, room, "c", "")) {
                List<SfuPage> pages = List.of(a, b, c);
                MediaFailoverTest.awaitEveryPageDecodesTheOthers(pages, Duration.ofSeconds(90));
                for (SfuPage p : pages) {
                    p.browser.js(MARKS);
                }
                for (int round = 1; round <= rounds; round++) {
                    boolean crash = round % 2 == 1;
                    int from = Mesh.mediaEndpoints(http0) == 3 ? 0 : 1;
                    int to = 1 - from;
                    String instance = from == 0 ? "media" : "media-1";
                    long pid = Long.parseLong(Files.readString(mesh.home.resolve("run").resolve(instance + ".pid"))
                            .trim());
                    long start = System.nanoTime();
                    long signalledAt = System.currentTimeMillis();
                    ProcessHandle node = ProcessHandle.of(pid).orElseThrow();
                    if (crash) {
                        node.destroyForcibly();
                    } else {
                        node.destroy();
                    }
                    awaitOn(pages, udp0 + 100 * to);
                    long seen = (System.nanoTime() - start) / 1_000_000;
                    Map<String, List<List<Object>>> marks = new java.util.LinkedHashMap<>();
                    for (SfuPage p : pages) {
                        @SuppressWarnings("unchecked")
                        List<List<Object>> m = (List<List<Object>>) p.browser.js("return window.benchMarks.splice(0)");
                        marks.put(p.user, m);
                    }
                    long ms = lastAllDecoding(marks, signalledAt);
                    (crash ? crashes : drains).add(ms);
                    System.out.printf("round %d %s of %s: every page decodes both others on the other node %d ms after"
                            + " the signal (the pages' own marks; %d ms as polled over WebDriver) (load %s)%n", round,
                            crash ? "crash" : "drain", instance, ms, seen,
                            Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
                    System.out.println("  stages (ms after the signal): " + stages(mesh, marks, signalledAt));
                    // ./icemesh restart starts the node's log afresh: keep this round's for reading afterwards.
                    java.nio.file.Path logs = mesh.home.resolve("logs");
                    Files.copy(logs.resolve(instance + ".log"), logs.resolve(instance + ".log.round-" + round),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Mesh.Result restart = mesh.run(Mesh.LONG_MEDIA_DRAIN, "restart", instance);
                    if (restart.exitCode() != 0) {
                        throw new IllegalStateException("restart failed:\n" + restart.output());
                    }
                }
            }
        }
        System.out.println("crash (SIGKILL): " + crashes + " ms, median " + median(crashes) + " ms");
        System.out.println("drain (SIGTERM): " + drains + " ms, median " + median(drains) + " ms");
        System.out.println("load average at end: " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
    }

    /**
     * Marks each page keeps of its SFU connection after a move (wall clock, ms): its stall report (sfu-stalled, before
     * the move), the sfu-moved message, its new offer
     * made, the answer applied, ICE connected, DTLS connected (connectionState), and every other publisher decoding
     * (getStats every 20 ms in the page, so no WebDriver round trip is counted).
     */
    private static final String MARKS = """
            const c = window.icemeshClient;
            window.benchMarks = [];
            const mark = (what) => window.benchMarks.push([what, Date.now()]);
            const send = c.send.bind(c);
            c.send = (msg) => { if (msg.type === 'sfu-stalled') mark('stall-sent'); send(msg); };
            c.addEventListener('sfu-moved', () => {
              mark('moved');
              const pc = c.links.get('sfu').pc;
              pc.addEventListener('signalingstatechange', () => mark(pc.signalingState === 'stable' ? 'answer'
                  : pc.signalingState === 'have-local-offer' ? 'offer' : pc.signalingState));
              pc.addEventListener('iceconnectionstatechange', () => mark('ice-' + pc.iceConnectionState));
              pc.addEventListener('connectionstatechange', () => mark('dtls-' + pc.connectionState));
              const others = (window.icemeshClient.peersAtJoin || 0);
              const poll = setInterval(async () => {
                if (pc.connectionState === 'closed') return clearInterval(poll);
                let decoding = 0;
                (await pc.getStats()).forEach((s) => {
                  if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) decoding++;
                });
                if (decoding > 0 && !window.benchMarks.some((m) => m[0] === 'first-decoding')) mark('first-decoding');
                if (decoding >= others) { clearInterval(poll); mark('all-decoding'); }
              }, 20);
            });
            """;

    /** When the last page had every other publisher decoding on its new connection (ms after the signal). */
    private static long lastAllDecoding(Map<String, List<List<Object>>> marks, long signalledAt) {
        long last = -1;
        for (List<List<Object>> page : marks.values()) {
            long first = -1;
            for (List<Object> m : page) {
                if ("all-decoding".equals(m.get(0)) && first < 0) {
                    first = ((Number) m.get(1)).longValue() - signalledAt;
                }
            }
            if (first < 0) {
                throw new IllegalStateException("a page has no all-decoding mark: " + marks);
            }
            last = Math.max(last, first);
        }
        return last;
    }

    /** Each page's marks since the signal, and signaling's log lines about the move, in ms after the signal. */
    private static String stages(Mesh mesh, Map<String, List<List<Object>>> marks, long signalledAt)
            throws Exception {
        StringBuilder out = new StringBuilder();
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
        for (String line : Files.readAllLines(mesh.home.resolve("logs").resolve("signaling.log"))) {
            String what = line.contains("pings in a row unanswered") ? "detected"
                    : line.contains("a client reports its media stopped") ? "detected-by-stall"
                    : line.contains("moving room") ? "move-written"
                    : line.contains(" moved from media node") ? "allocated" : null;
            if (what == null || line.length() < 23) {
                continue;
            }
            long at = java.time.LocalDateTime.parse(line.substring(0, 23), f).atZone(java.time.ZoneId.systemDefault())
                    .toInstant().toEpochMilli();
            if (at >= signalledAt) {
                out.append(what).append(' ').append(at - signalledAt).append(", ");
            }
        }
        for (Map.Entry<String, List<List<Object>>> page : marks.entrySet()) {
            out.append("\n    ").append(page.getKey()).append(':');
            for (List<Object> m : page.getValue()) {
                out.append(' ').append(m.get(0)).append(' ').append(((Number) m.get(1)).longValue() - signalledAt);
            }
        }
        return out.toString();
    }

    private static void awaitOn(List<SfuPage> pages, int udpPort) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .alias("the pages all decode each other on the node on " + udpPort).until(() -> allOn(pages, udpPort));
    }

    private static boolean allOn(List<SfuPage> pages, int udpPort) {
        for (SfuPage p : pages) {
            if (!MediaFailoverTest.sfuSdp(p).contains(" " + udpPort + " typ host")) {
                return false;
            }
            Map<String, Long> decoded = p.decodedByStream();
            for (SfuPage other : pages) {
                if (other != p && decoded.getOrDefault(other.streamId(), 0L) == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
    }
}
