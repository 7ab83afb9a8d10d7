package io.icemesh.containers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.testkit.WebClientCall;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * docker-compose.yml for real: deploy/containers.sh builds every image on a Debian base it makes itself and brings
 * the mesh up with podman and docker-compose; two Chromium pages call each other through the containerized
 * services; Prometheus in its container scrapes them and every dashboard panel has data; `down` leaves nothing.
 * Needs root, podman, runc, debootstrap, docker-compose and Chromium: a missing one fails the test, saying which.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerizedMeshTest {

    static final List<String> SERVICES = List.of("signaling-service", "turn-service", "media-service",
            "monitor-service");
    /** Every image the script builds, with the most it may weigh (MB as podman counts, base layers included). */
    static final Map<String, Long> IMAGE_LIMITS_MB = Map.of(
            "localhost/icemesh/kafka:0.1.0", 400L,
            "localhost/icemesh/signaling-service:0.1.0", 400L,
            "localhost/icemesh/turn-service:0.1.0", 400L,
            "localhost/icemesh/media-service:0.1.0", 400L,
            "localhost/icemesh/monitor-service:0.1.0", 400L,
            "localhost/icemesh/prometheus:bookworm", 700L);

    private final ContainerMesh mesh = new ContainerMesh();
    private final Map<String, Long> idleRss = new LinkedHashMap<>();
    private final Map<String, Long> callRss = new LinkedHashMap<>();
    private boolean started;

    @BeforeAll
    void up() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("podman", "runc", "debootstrap", "docker-compose", "chromium", "chromedriver")) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        assertTrue(missing.isEmpty(), "missing " + missing + ": install Debian's podman runc debootstrap "
                + "docker-compose chromium chromium-driver (bash .ci/run does); this test runs the containerized "
                + "mesh and is never skipped");
        assertEquals("0", new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim(),
                "run as root: deploy/containers.sh needs rootful podman (bridge network, published ports)");
        List<Integer> busy = busyPorts();
        assertTrue(busy.isEmpty(), "host ports " + busy + " are taken; the test publishes the mesh there");

        long t0 = System.nanoTime();
        started = true;
        ContainerMesh.Result up = mesh.script("up");
        long upMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(up.output());
        assertEquals(0, up.exitCode(), "deploy/containers.sh up failed:\n" + up.output());
        figure("deploy/containers.sh up (images built as needed, started, every health check passed): %d ms", upMs);
        Matcher m = Pattern.compile("ready " + ContainerMesh.PROJECT + "_(\\S+)_1 (\\d+) ms after its start")
                .matcher(up.output());
        while (m.find()) {
            figure("cold start to ready (health check passed), %s: %s ms", m.group(1), m.group(2));
        }
        for (String s : SERVICES) {
            idleRss.put(s, mesh.rssMib(s));
        }
        idleRss.put("kafka", mesh.rssMib("kafka"));
    }

    @AfterAll
    void down() throws Exception {
        if (!started) {
            return;
        }
        ContainerMesh.Result down = mesh.script("down");
        System.out.println(down.output());
        idleRss.forEach((s, mib) -> figure("RSS %s: idle %d MiB, in a relay call %s MiB", s, mib,
                callRss.getOrDefault(s, -1L)));
        assertEquals(0, down.exitCode(), "deploy/containers.sh down failed:\n" + down.output());
        String label = "label=com.docker.compose.project=" + ContainerMesh.PROJECT;
        assertEquals("", mesh.podman("ps", "-a", "-q", "--filter", label).output().trim(), "containers left");
        assertEquals("", mesh.podman("volume", "ls", "-q", "--filter", label).output().trim(), "volumes left");
        assertFalse(mesh.podman("network", "ls", "--format", "{{.Name}}").output()
                .contains(ContainerMesh.PROJECT + "_default"), "the compose network is left");
        assertEquals(List.of(), busyPorts(), "published ports still taken after down");
    }

    @Test
    void everyImageRunsAsAUserOtherThanRootHasAHealthCheckAndStaysSmall() {
        List<String> problems = new ArrayList<>();
        IMAGE_LIMITS_MB.forEach((image, limit) -> {
            JsonNode inspect = mesh.podmanJson("image", "inspect", image).get(0);
            String user = inspect.path("Config").path("User").asText();
            if (user.isEmpty() || user.equals("root") || user.startsWith("0")) {
                problems.add(image + " runs as root (User '" + user + "')");
            }
            JsonNode check = inspect.path("Healthcheck").path("Test");
            if (check.size() < 2 || !check.get(0).asText().startsWith("CMD")) {
                problems.add(image + " has no health check: " + check);
            }
            long mb = inspect.path("Size").asLong() / 1_000_000;
            figure("image %s: %d MB, user %s, health check %s", image, mb, user, check.get(check.size() - 1));
            if (mb > limit) {
                problems.add(image + " weighs " + mb + " MB, more than " + limit);
            }
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // and they run as that user: the uid of each service's JVM inside its container
        for (String s : SERVICES) {
            ContainerMesh.Result id = mesh.podman("exec", ContainerMesh.container(s), "id", "-u");
            assertEquals("185", id.output().trim(), s + " runs as " + id.output());
        }
    }

    @Test
    void everyServiceIsReadyOnItsPublishedPortAndHealthyToPodman() {
        for (String s : SERVICES) {
            var ready = mesh.get(s, "/q/health/ready");
            assertEquals(200, ready.statusCode(), s + " /q/health/ready on 127.0.0.1:"
                    + ContainerMesh.HTTP_PORTS.get(s) + ": " + ready.body());
        }
        for (String c : List.of("kafka", "prometheus", "signaling-service", "turn-service", "media-service",
                "monitor-service")) {
            JsonNode state = mesh.podmanJson("inspect", ContainerMesh.container(c)).get(0).path("State");
            assertEquals("healthy", state.path("Health").path("Status").asText(), c + ": " + state.path("Health"));
        }
        JsonNode topics = mesh.podmanJson("inspect", ContainerMesh.container("kafka-topics")).get(0).path("State");
        assertEquals(0, topics.path("ExitCode").asInt(), "kafka-topics created every topic: " + topics);
    }

    @Test
    void twoChromiumPagesCallDirectlyThroughTheContainerizedSignaling() throws Exception {
        Map<String, Object> timing = WebClientCall.run(webClient(), false);
        record("host", timing);
        assertTrue(List.of("host", "prflx", "srflx").contains(timing.get("localType")),
                "a host call uses a direct pair: " + timing);
    }

    @Test
    void aRelayOnlyCallGoesThroughTheContainerizedTurnServiceAndIntoMonitorsTimeline() throws Exception {
        double allocationsBefore = metricSum("turn-service", "icemesh_turn_allocations_created_total");
        Map<String, Object> timing = WebClientCall.run(webClient(), true, (a, b) -> {
            for (String s : SERVICES) {
                callRss.put(s, mesh.rssMib(s));
            }
            callRss.put("kafka", mesh.rssMib("kafka"));
        });
        record("relay", timing);
        assertEquals("relay", timing.get("localType"), "relay only gives a relay pair: " + timing);
        assertTrue(metricSum("turn-service", "icemesh_turn_allocations_created_total") >= allocationsBefore + 2,
                "both pages allocated on the containerized turn-service");
        String session = (String) timing.get("sessionId");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode view = mesh.getJson("monitor-service", "/api/sessions/" + session).get("timeline");
            assertTrue(view.get("timeToFirstMediaMs").isNumber(), "first media in monitor's timeline: " + view);
            assertEquals("relay", view.get("pair").get("localType").asText(), view.toString());
            assertTrue(view.get("turnAllocations").asInt() >= 1, "the TURN allocation joined the session: " + view);
        });
    }

    @Test
    void prometheusInItsContainerScrapesAllFourServicesAndEveryDashboardPanelHasData() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Map<String, String> health = new LinkedHashMap<>();
            for (JsonNode t : mesh.getJson("prometheus", "/api/v1/targets").at("/data/activeTargets")) {
                health.put(t.at("/labels/service").asText(), t.path("health").asText());
            }
            assertEquals(Map.of("signaling-service", "up", "turn-service", "up", "media-service", "up",
                    "monitor-service", "up"), health);
        });
        // A relay call gives every session, pair, probe and TURN panel something to show.
        WebClientCall.run(webClient(), true);
        Dashboards dashboards = new Dashboards(mesh.root.resolve("deploy/grafana"));
        figure("dashboard panels checked against the containerized Prometheus: %d", dashboards.panels.size());
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<String> empty = dashboards.panelsWithoutData(this::query);
            assertEquals(List.of(), empty, "dashboard panels whose queries all return nothing");
        });
    }

    private String webClient() {
        return "http://127.0.0.1:" + ContainerMesh.HTTP_PORTS.get("signaling-service");
    }

    /** Number of series a PromQL query returns from the containerized Prometheus. */
    private int query(String promql) {
        JsonNode r = mesh.getJson("prometheus", "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertEquals("success", r.path("status").asText(), promql + ": " + r);
        return r.at("/data/result").size();
    }

    private double metricSum(String service, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(mesh.get(service, "/q/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool));
    }

    /** Host ports of the test's mesh that something holds (TCP listening or UDP bound on 127.0.0.1). */
    private static List<Integer> busyPorts() {
        List<Integer> busy = new ArrayList<>();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int port : ContainerMesh.TCP_PORTS) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(loopback, port));
            } catch (IOException e) {
                busy.add(port);
            }
        }
        for (int port : ContainerMesh.UDP_PORTS) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                s.getLocalPort();
            } catch (IOException e) {
                busy.add(port);
            }
        }
        return busy;
    }

    private static void record(String mode, Map<String, Object> t) {
        figure("chromium %s call through the containers: connected %s ms, first frame %s ms, pair %s/%s %s", mode,
                t.get("connectedMs"), t.get("firstFrameMs"), t.get("localType"), t.get("remoteType"),
                t.get("protocol"));
    }

    /** Writes one figure to the test log and target/container-figures.txt. */
    private static void figure(String format, Object... args) {
        String line = String.format(format, args) + System.lineSeparator();
        System.out.print(line);
        try {
            Files.writeString(Path.of("target", "container-figures.txt"), line, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
