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
            mesh.upWithTwoMediaNodes();
            int http0 = mesh.ports.get("media");
            int udp0 = Integer.parseInt(mesh.env.get("ICEMESH_MEDIA_UDP_PORT"));
            String room = "failover-bench-" + UUID.randomUUID().toString().substring(0, 8);
            try (SfuPage a = SfuPage.join(mesh, room, "a", ""); SfuPage b = SfuPage.join(mesh, room, "b", "");
                    SfuPage c = SfuPage.join(mesh, room, "c", "")) {
                List<SfuPage> pages = List.of(a, b, c);
                MediaFailoverTest.awaitEveryPageDecodesTheOthers(pages, Duration.ofSeconds(90));
                for (int round = 1; round <= rounds; round++) {
                    boolean crash = round % 2 == 1;
                    int from = Mesh.mediaEndpoints(http0) == 3 ? 0 : 1;
                    int to = 1 - from;
                    String instance = from == 0 ? "media" : "media-1";
                    long pid = Long.parseLong(Files.readString(mesh.home.resolve("run").resolve(instance + ".pid"))
                            .trim());
                    long start = System.nanoTime();
                    ProcessHandle node = ProcessHandle.of(pid).orElseThrow();
                    if (crash) {
                        node.destroyForcibly();
                    } else {
                        node.destroy();
                    }
                    awaitOn(pages, udp0 + 100 * to);
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    (crash ? crashes : drains).add(ms);
                    System.out.printf("round %d %s of %s: every page decodes both others on the other node after %d ms"
                            + " (load %s)%n", round, crash ? "crash" : "drain", instance, ms,
                            Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
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
