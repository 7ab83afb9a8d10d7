package io.icemesh.mesh;

import static io.icemesh.mesh.Benches.median;
import static io.icemesh.mesh.Benches.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.testkit.Browser;
import io.icemesh.testkit.FreePorts;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test: time from joining to the first decoded video frame, for Chromium (host and relay) and
 * aiortc, through icemesh (its ICE list: turn-service, health-ranked) and with the seed's hand-written config (a STUN
 * server that never answers first, coturn as TURN), all in one run on this machine.
 *
 *   ./mvnw -q -pl mesh-tests test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=io.icemesh.mesh.FirstFrameBench -Dexec.args="5"
 */
public final class FirstFrameBench {

    private FirstFrameBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path coturnLog = Files.createTempFile("coturn-", ".log");
        int coturnPort = FreePorts.tcpAndUdp();
        Process coturn = new ProcessBuilder("turnserver", "-n", "--listening-ip=127.0.0.1",
                "--listening-port=" + coturnPort, "--relay-ip=127.0.0.1", "--allow-loopback-peers", "--lt-cred-mech",
                "--user=seed:seedpass", "--realm=seed", "--no-tls", "--no-dtls", "--no-cli", "--min-port=40000",
                "--max-port=40999", "--log-file=stdout", "--simple-log")
                .redirectErrorStream(true).redirectOutput(coturnLog.toFile()).start();
        try (DatagramSocket blackHole = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             Mesh mesh = new Mesh()) {
            Mesh.Result up = mesh.upWithLoopbackRelay();
            if (up.exitCode() != 0) {
                throw new IllegalStateException(up.output());
            }
            String seed = "[{\"urls\":[\"stun:127.0.0.1:" + blackHole.getLocalPort() + "\"]},"
                    + "{\"urls\":[\"turn:127.0.0.1:" + coturnPort + "?transport=udp\"],\"username\":\"seed\","
                    + "\"credential\":\"seedpass\"}]";
            List<String> rows = new ArrayList<>();
            // Each run measures both configs back to back, alternating which goes first, so that warm-up and load
            // changes fall on both alike.
            List<Double> hostIcemesh = new ArrayList<>();
            List<Double> hostSeed = new ArrayList<>();
            List<Double> relayIcemesh = new ArrayList<>();
            List<Double> relaySeed = new ArrayList<>();
            List<Double> aiortcIcemesh = new ArrayList<>();
            List<Double> aiortcSeed = new ArrayList<>();
            try (Browser a = new Browser(); Browser b = new Browser()) {
                chromium(mesh, a, b, false, seed); // warm-up, not counted
                for (int i = 0; i < runs; i++) {
                    boolean seedFirst = i % 2 == 1;
                    for (int k = 0; k < 2; k++) {
                        boolean useSeed = (k == 0) == seedFirst;
                        (useSeed ? hostSeed : hostIcemesh).add(chromium(mesh, a, b, false, useSeed ? seed : null));
                        (useSeed ? relaySeed : relayIcemesh).add(chromium(mesh, a, b, true, useSeed ? seed : null));
                        (useSeed ? aiortcSeed : aiortcIcemesh).add(aiortc(mesh, useSeed ? seed : null));
                    }
                }
            }
            rows.add(row("Chromium host", median(hostIcemesh), median(hostSeed)));
            rows.add(row("Chromium relay", median(relayIcemesh), median(relaySeed)));
            rows.add(row("aiortc", median(aiortcIcemesh), median(aiortcSeed)));
            System.out.println("| client | icemesh: first frame ms (median of " + runs + ") | seed config: first "
                    + "frame ms (median) | seed / icemesh |");
            System.out.println("|---|---|---|---|");
            rows.forEach(System.out::println);
        } finally {
            coturn.destroy();
            coturn.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(coturnLog);
        }
    }

    private static String row(String client, double icemesh, double seed) {
        return String.format("| %s | %.0f | %.0f | %.1fx |", client, icemesh, seed, seed / icemesh);
    }

    /** One call between two pages: the newcomer's time from its join to the first decoded frame. */
    private static double chromium(Mesh mesh, Browser a, Browser b, boolean relay, String ice) throws Exception {
        String room = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        String url = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/?room=" + room
                + (relay ? "&relay=1" : "") + (ice == null ? "" : "&ice="
                + URLEncoder.encode(ice, StandardCharsets.UTF_8));
        Benches.firstThenNewcomer(a, b, url);
        waitFor(() -> b.js("const s = Object.values(window.icemeshStats); return s.length ? s[0].firstFrameMs : null")
                != null, 60);
        double ms = ((Number) b.js("return Object.values(window.icemeshStats)[0].firstFrameMs")).doubleValue();
        Object pair = b.js("return Object.values(window.icemeshStats)[0].localType");
        if (relay && !"relay".equals(pair)) {
            throw new IllegalStateException("relay run used a " + pair + " pair");
        }
        return ms;
    }

    /** One call between two aiortc clients: the newcomer's time from its start to the first frame. */
    private static double aiortc(Mesh mesh, String ice) throws Exception {
        int port = mesh.ports.get("signaling");
        String room = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> common = new ArrayList<>(List.of("--room", room, "--duration", "60"));
        if (ice != null) {
            common.addAll(List.of("--ice-servers", ice));
        }
        List<String> first = new ArrayList<>(common);
        first.addAll(List.of("--user", "a"));
        try (Aiortc a = Aiortc.start(mesh.root, port, first.toArray(String[]::new))) {
            // The first peer must be in the room before the newcomer offers.
            waitFor(a::joined, 20);
            List<String> second = new ArrayList<>(common);
            second.addAll(List.of("--user", "b", "--exit-on-frame"));
            JsonNode b = Aiortc.run(mesh.root, port, second.toArray(String[]::new));
            JsonNode peer = b.get("peers").get(0);
            if (!peer.get("firstFrameMs").isNumber()) {
                throw new IllegalStateException("no frame: " + b);
            }
            a.stop();
            return peer.get("firstFrameMs").asDouble();
        }
    }
}
