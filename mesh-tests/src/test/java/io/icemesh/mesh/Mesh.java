package io.icemesh.mesh;

import io.icemesh.testkit.Command;
import io.icemesh.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One local mesh run by the real {@code ./icemesh} script, in its own state folder and on free ports, so that a
 * test never meets a developer's running mesh.
 */
final class Mesh implements AutoCloseable {

    /** Longest a single icemesh command may take before the test calls it hung. */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    final Path root = findRoot();
    final Path home;
    final Map<String, Integer> ports = new HashMap<>();
    final Map<String, String> env = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Result of one script run. */
    record Result(int exitCode, String output) {
    }

    Mesh() throws IOException {
        home = Files.createTempDirectory("icemesh-mesh-test-");
        for (String name : List.of("kafka", "kafka-controller", "signaling", "turn", "turn-stun", "turn-tls", "media",
                "monitor")) {
            ports.put(name, portBlock());
        }
        env.put("ICEMESH_HOME", home.toString());
        env.put("ICEMESH_KAFKA_PORT", ports.get("kafka").toString());
        env.put("ICEMESH_KAFKA_CONTROLLER_PORT", ports.get("kafka-controller").toString());
        env.put("ICEMESH_SIGNALING_HTTP_PORT", ports.get("signaling").toString());
        env.put("ICEMESH_TURN_HTTP_PORT", ports.get("turn").toString());
        env.put("ICEMESH_TURN_PORT", ports.get("turn-stun").toString());
        env.put("ICEMESH_TURN_TLS_PORT", ports.get("turn-tls").toString());
        env.put("ICEMESH_MEDIA_HTTP_PORT", ports.get("media").toString());
        env.put("ICEMESH_MEDIA_UDP_PORT", Integer.toString(portBlock()));
        env.put("ICEMESH_MONITOR_HTTP_PORT", ports.get("monitor").toString());
    }

    /** A media drain grace long enough that a draining node still serves while its rooms move. */
    static final Map<String, String> LONG_MEDIA_DRAIN = Map.of("ICEMESH_MEDIA_DRAIN_GRACE", "30s",
            "_LOCAL_ICEMESH_MEDIA_DRAIN_GRACE", "30s");

    /** {@code ./icemesh up -d --scale media=2} with {@link #LONG_MEDIA_DRAIN}; fails with the script's output. */
    void upWithTwoMediaNodes() {
        Result up = run(LONG_MEDIA_DRAIN, "up", "-d", "--scale", "media=2");
        if (up.exitCode() != 0) {
            throw new AssertionError("./icemesh up -d --scale media=2 failed:\n" + up.output());
        }
    }

    Result run(String... args) {
        return run(Map.of(), args);
    }

    /**
     * {@code ./icemesh up -d} with turn-service allowed to relay to loopback peers: on one machine every relay
     * candidate is a loopback address, which the default denies.
     */
    Result upWithLoopbackRelay() {
        return run(Map.of("ICEMESH_TURN_ALLOW_LOOPBACK_PEERS", "true"), "up", "-d");
    }

    Result run(Map<String, String> extraEnv, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("icemesh").toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.putAll(extraEnv);
        Command.Result r = Command.run(command, root, all, COMMAND_TIMEOUT);
        return new Result(r.exitCode(), r.output());
    }

    /** GET on 127.0.0.1 at the given service's HTTP port; status -1 when nothing answers. */
    HttpResponse<String> get(String service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(service) + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of a component's log (kafka or a service name), for failure messages. */
    String logTail(String component, int lines) {
        Path log = home.resolve("logs").resolve(component + ".log");
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Pids the script recorded for running components. */
    List<Long> recordedPids() throws IOException {
        Path run = home.resolve("run");
        List<Long> pids = new ArrayList<>();
        if (Files.isDirectory(run)) {
            try (var files = Files.list(run)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    pids.add(Long.parseLong(Files.readString(f).trim()));
                }
            }
        }
        return pids;
    }

    /** The checkout: the icemesh.root property (set by the build), else the nearest folder up holding ./icemesh. */
    static Path findRoot() {
        String configured = System.getProperty("icemesh.root");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("icemesh")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the icemesh checkout above " + Path.of("").toAbsolutePath());
    }

    /**
     * The local addresses TCP sockets listen on at {@code port}, from /proc/net/tcp and /proc/net/tcp6 (the kernel's
     * own table; "0.0.0.0" or "::" means every interface).
     */
    static List<String> listeningAddresses(int port) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                // columns: sl local_address rem_address st ...; st 0A is LISTEN
                if (f.length < 4 || !"0A".equals(f[3]) || !f[1].contains(":")) {
                    continue;
                }
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) == port) {
                    addresses.add(procAddress(local[0]));
                }
            }
        }
        return addresses;
    }

    /** A /proc/net/tcp address: 32-bit words in host (little-endian) byte order. */
    private static String procAddress(String hex) throws IOException {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes).getHostAddress();
    }

    /** The icemesh_media_endpoints gauge of the media-service node whose HTTP port this is. */
    static double mediaEndpoints(int port) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^icemesh_media_endpoints(\\{[^}]*\\})? (\\S+)$").matcher(body);
        if (!m.find()) {
            throw new AssertionError("no icemesh_media_endpoints on port " + port);
        }
        return Double.parseDouble(m.group(2));
    }

    static boolean portInUse(int port) {
        try (var s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Instances of a scaled service a test may start: instance k listens on the base port + 100 * k. */
    static final int MAX_INSTANCES = 3;

    /**
     * A port that is free for TCP and UDP on loopback, as are the ports 100 and 200 above it (the script puts
     * instance k of a scaled service on base + 100 * k), outside the kernel's ephemeral range: see
     * {@link FreePorts}, which also keeps them from being handed out again in this JVM.
     */
    static int portBlock() {
        return FreePorts.block(MAX_INSTANCES, 100);
    }

    @Override
    public void close() {
        run("down");
    }
}
