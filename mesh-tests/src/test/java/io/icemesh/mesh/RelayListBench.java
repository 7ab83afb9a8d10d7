package io.icemesh.mesh;

import static io.icemesh.mesh.Benches.median;

import io.icemesh.testkit.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark, not a test: what the TCP and TLS relay transports in {@code /api/ice-servers}'s list cost a relay-only
 * call. Two RTCPeerConnections in one headless Chromium page (the floor of {@link TimeToMediaBench}), relay-only
 * through turn-service, creation to the first presented frame: once with the whole list (TURN over UDP, TCP and TLS),
 * once with its UDP URLs alone, alternating, after one warm-up of each.
 *
 *   ./mvnw -q install -DskipTests
 *   ./mvnw -q -pl mesh-tests test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
 *       -Dexec.classpathScope=test -Dexec.mainClass=io.icemesh.mesh.RelayListBench -Dexec.args="9"
 */
public final class RelayListBench {

    private RelayListBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        List<Double> all = new ArrayList<>();
        List<Double> udp = new ArrayList<>();
        try (Mesh mesh = new Mesh(); Browser b = new Browser()) {
            Mesh.Result up = mesh.upWithLoopbackRelay();
            if (up.exitCode() != 0) {
                throw new IllegalStateException(up.output());
            }
            String base = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/";
            TimeToMediaBench.floor(base, b, true, false);
            TimeToMediaBench.floor(base, b, true, true);
            for (int i = 0; i < runs; i++) {
                boolean udpFirst = i % 2 == 0;
                double first = TimeToMediaBench.floor(base, b, true, udpFirst);
                double second = TimeToMediaBench.floor(base, b, true, !udpFirst);
                all.add(udpFirst ? second : first);
                udp.add(udpFirst ? first : second);
                System.out.printf("run %d: whole list %.0f ms, UDP only %.0f ms%n", i + 1, all.get(i), udp.get(i));
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("load average before: %s; after: %s%n", loadBefore, loadAfter);
        System.out.printf("relay-only, creation to first frame, median of %d: whole list (UDP, TCP, TLS) %.0f ms, "
                + "UDP only %.0f ms: %.2fx%n", runs, median(all), median(udp), median(all) / median(udp));
    }
}
