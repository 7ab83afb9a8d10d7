package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;

import io.icemesh.testkit.Browser;
import io.icemesh.testkit.Command;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The NAT test network of {@code mesh-tests/natlab/natlab.sh} (drawn in mesh-tests/README.md): network namespaces
 * whose names start with a random prefix, the whole mesh run by {@code ./icemesh} inside the "public" one on
 * {@link #SERVER}, and Chromium pages inside the client namespaces behind the NATs. The test itself stays in the host
 * namespace and reaches chromedriver and the services through {@code natlab/forward.py}, so nothing is added to the
 * host namespace but listening sockets on 127.0.0.1. {@link #close()} (also run at JVM exit) removes everything.
 */
final class NatLab implements AutoCloseable {

    /** The servers' address on the public segment (203.0.113.0/24, TEST-NET-3). */
    static final String SERVER = "203.0.113.10";
    /** The public segment and the second public address: the only "public" networks the lab has. */
    static final String PUBLIC_NETWORKS = "203.0.113.0/24,198.51.100.0/24";
    /** The address each client's NAT shows outside, as natlab.sh numbers them. */
    static final Map<String, String> OUTSIDE = Map.of("cone1", "203.0.113.21", "cone2", "203.0.113.22",
            "sym1", "203.0.113.23", "sym2", "203.0.113.24", "udpblock", "203.0.113.25");
    static final int SIGNALING_PORT = 8080;
    /** turn-service's second STUN port: two mappings per socket tell monitor a symmetric NAT from a cone. */
    static final int ALTERNATE_STUN_PORT = 3479;
    static final int MONITOR_PORT = 8083;
    private static final String PYTHON = "/usr/bin/python3";

    final Path root = Mesh.findRoot();
    final String prefix = "im" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    private final Path home;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> driverPorts = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> serviceForwards = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread cleanup = new Thread(this::removeNetwork, "natlab-cleanup");
    private volatile boolean closed;

    private NatLab() throws IOException {
        home = Files.createTempDirectory("icemesh-natlab-");
    }

    /** Creates the network (about a second) and starts the mesh in it; fails with the script's output. */
    static NatLab start() throws IOException {
        NatLab lab = new NatLab();
        Runtime.getRuntime().addShutdownHook(lab.cleanup);
        Command.Result gc = lab.script("gc");
        if (!gc.output().isBlank()) {
            System.err.println(gc.output());
        }
        Command.Result net = lab.script("up", Long.toString(ProcessHandle.current().pid()));
        if (net.exitCode() != 0) {
            lab.close();
            throw new AssertionError("natlab.sh up failed:\n" + net.output());
        }
        Command.Result up = lab.icemesh("up", "-d");
        if (up.exitCode() != 0) {
            String logs = lab.logTail("signaling") + "\n" + lab.logTail("turn") + "\n" + lab.logTail("media");
            lab.close();
            throw new AssertionError("./icemesh up -d in " + lab.ns("pub") + " failed:\n" + up.output() + "\n" + logs);
        }
        return lab;
    }

    /** The full name of one of the lab's namespaces: pub, cone1, cone1-nat, sym1, ... */
    String ns(String name) {
        return prefix + "-" + name;
    }

    /**
     * Runs the local runner inside the public namespace, on the public address, relays allowed to the lab only, and
     * turn-service's alternate STUN port open.
     */
    Command.Result icemesh(String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns("pub"), "bash",
                root.resolve("icemesh").toString()));
        command.addAll(List.of(args));
        return Command.run(command, root, Map.of("ICEMESH_HOME", home.toString(),
                "ICEMESH_LISTEN_ADDRESS", SERVER,
                "ICEMESH_BIND_ADDRESS", SERVER,
                "ICEMESH_TURN_PEERS_ALLOW", PUBLIC_NETWORKS,
                "ICEMESH_TURN_LISTEN_ALTERNATE_UDP_PORT", Integer.toString(ALTERNATE_STUN_PORT),
                "ICEMESH_MEDIA_ALLOWED_PEER_NETWORKS", PUBLIC_NETWORKS), Mesh.COMMAND_TIMEOUT);
    }

    /** A web client URL on signaling, as pages in the client namespaces reach it. */
    static String webClient(String query) {
        return "http://" + SERVER + ":" + SIGNALING_PORT + "/?" + query;
    }

    /**
     * Chromium inside the named client namespace: its chromedriver runs there (so Chromium does too), reached through
     * a forwarder. The web client is served over plain HTTP on a non-loopback address, so Chromium is told to treat
     * that origin as secure (getUserMedia needs a secure context).
     */
    Browser browser(String client) throws Exception {
        String netns = ns(client);
        int port = driverPorts.computeIfAbsent(client, c -> new AtomicInteger(9515)).getAndIncrement();
        Process driver = start("ip", "netns", "exec", netns, Browser.CHROMEDRIVER, "--port=" + port);
        Process forward = start(PYTHON, root.resolve("mesh-tests/natlab/forward.py").toString(), netns,
                "127.0.0.1", Integer.toString(port));
        int local = firstLineAsPort(forward);
        URI status = URI.create("http://127.0.0.1:" + local + "/status");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        URL url = URI.create("http://127.0.0.1:" + local).toURL();
        return new Browser(url, List.of("--unsafely-treat-insecure-origin-as-secure=http://" + SERVER + ":"
                + SIGNALING_PORT), () -> {
                    stop(forward);
                    stop(driver);
                });
    }

    /** GET on a service's HTTP port inside the public namespace (signaling 8080, monitor 8083, ...). */
    HttpResponse<String> get(int servicePort, String path) throws IOException, InterruptedException {
        int local = serviceForwards.computeIfAbsent(servicePort, p -> {
            try {
                return firstLineAsPort(start(PYTHON, root.resolve("mesh-tests/natlab/forward.py").toString(),
                        ns("pub"), SERVER, Integer.toString(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The last lines of a component's log, for failure messages. */
    String logTail(String component) {
        Path log = home.resolve("logs").resolve(component + ".log");
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return component + ":\n" + String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(" + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    private Command.Result script(String action, String... more) {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("mesh-tests/natlab/natlab.sh").toString(),
                action));
        if (!"gc".equals(action)) {
            command.add(prefix);
        }
        command.addAll(List.of(more));
        return Command.run(command, root, Map.of(), Duration.ofMinutes(1));
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** The forwarder prints its port first; its stdin stays open (held by us) for as long as it should run. */
    private static int firstLineAsPort(Process forward) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(forward.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            throw new IllegalStateException("natlab/forward.py exited before listening (exit " + forward.onExit()
                    .thenApply(Process::exitValue).getNow(null) + ")");
        }
        return Integer.parseInt(line.trim());
    }

    private void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        processes.remove(p);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        Command.Result down = icemesh("down");
        if (down.exitCode() != 0) {
            System.err.println("./icemesh down in the lab: " + down.output());
        }
        removeNetwork();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs anyway
        }
    }

    private synchronized void removeNetwork() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        Command.Result r = script("down");
        if (r.exitCode() != 0) {
            System.err.println("natlab.sh down " + prefix + " failed:\n" + r.output());
        }
        try (var walk = Files.walk(home)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("leaving " + home + ": " + e.getMessage());
        }
    }
}
