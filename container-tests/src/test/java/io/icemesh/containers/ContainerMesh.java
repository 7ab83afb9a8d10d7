package io.icemesh.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.testkit.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The containerized mesh as deploy/containers.sh runs it, under a compose project of its own, on host ports and a
 * bridge subnet that neither {@code ./icemesh up} (8080-8083, 3478, 5349, 9092, 10000) nor mesh-tests (free ports
 * from the kernel's ephemeral range, 32768 and up) use, every port published on 127.0.0.1 only.
 */
final class ContainerMesh {

    static final String PROJECT = "icemesh-test";
    /** First three octets of the compose network's /24 (compose.local.yml); the default network is 10.88.0.0/16. */
    static final String NET = "10.89.78";
    static final String TURN_ADDRESS = NET + ".10";
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(12);

    /** Host port of each service's HTTP listener (and Prometheus), by compose service name. */
    static final Map<String, Integer> HTTP_PORTS = Map.of("signaling-service", 28080, "turn-service", 28081,
            "media-service", 28082, "monitor-service", 28083, "prometheus", 29090);
    /** Every host port the project publishes (TCP or UDP), for the check that `down` frees them. */
    static final List<Integer> UDP_PORTS = List.of(23478, 20000, 28100, 28119);
    static final List<Integer> TCP_PORTS = List.of(28080, 28081, 28082, 28083, 29090, 23478, 25349);

    final Path root = Path.of(System.getProperty("icemesh.root", "..")).toAbsolutePath().normalize();
    final Map<String, String> env = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Result of one command. */
    record Result(int exitCode, String output) {
    }

    ContainerMesh() {
        env.put("ICEMESH_COMPOSE_PROJECT", PROJECT);
        env.put("ICEMESH_CONTAINERS_NET", NET);
        env.put("ICEMESH_PUBLISH_ADDRESS", "127.0.0.1");
        env.put("ICEMESH_SIGNALING_HOST_PORT", "28080");
        env.put("ICEMESH_TURN_HTTP_HOST_PORT", "28081");
        env.put("ICEMESH_MEDIA_HTTP_HOST_PORT", "28082");
        env.put("ICEMESH_MONITOR_HOST_PORT", "28083");
        env.put("ICEMESH_PROMETHEUS_HOST_PORT", "29090");
        env.put("ICEMESH_TURN_HOST_PORT", "23478");
        env.put("ICEMESH_TURN_TLS_HOST_PORT", "25349");
        env.put("ICEMESH_MEDIA_UDP_PORT", "20000");
        env.put("ICEMESH_TURN_RELAY_MIN_PORT", "28100");
        env.put("ICEMESH_TURN_RELAY_MAX_PORT", "28119");
        // Secrets of this run only, never written anywhere by the test.
        env.put("ICEMESH_TURN_SECRET", secret());
        env.put("ICEMESH_SIGNALING_AUTH_JWT_SECRET", secret());
        env.put("GRAFANA_ADMIN_PASSWORD", secret());
    }

    private static String secret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** deploy/containers.sh with this project's environment. */
    Result script(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("deploy/containers.sh").toString()));
        command.addAll(List.of(args));
        return run(command, COMMAND_TIMEOUT);
    }

    /** podman with the settings deploy/containers.sh uses (runc, cgroupfs, explicit ulimits). */
    Result podman(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return run(command, Duration.ofMinutes(1));
    }

    JsonNode podmanJson(String... args) {
        Result r = podman(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("podman " + String.join(" ", args) + " failed:\n" + r.output());
        }
        try {
            return JSON.readTree(r.output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container of a compose service in this project (its name as docker-compose 1.x makes it). */
    static String container(String service) {
        return PROJECT + "_" + service + "_1";
    }

    private Result run(List<String> command, Duration timeout) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put("CONTAINERS_CONF", root.resolve("deploy/containers/containers.conf").toString());
        Command.Result r = Command.run(command, root, all, timeout);
        return new Result(r.exitCode(), r.output());
    }

    /** GET on 127.0.0.1 at a published port. */
    HttpResponse<String> get(String service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORTS.get(service) + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + service + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode getJson(String service, String path) {
        HttpResponse<String> r = get(service, path);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + service + path + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resident memory of a container's main process (the JVM: each entry point execs java), in MiB. */
    long rssMib(String service) throws IOException {
        long pid = podmanJson("inspect", container(service)).get(0).path("State").path("Pid").asLong();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        throw new AssertionError("no VmRSS for " + service + " (pid " + pid + ")");
    }
}
