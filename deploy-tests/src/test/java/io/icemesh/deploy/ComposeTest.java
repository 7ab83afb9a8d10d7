package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml as docker-compose 1.29 reads it ({@code docker-compose config}, no Docker engine needed), checked
 * against the services' own configuration: environment, ports, shutdown time, topics and scrape targets.
 */
class ComposeTest {

    /** Values for the variables the file requires; a documentation address (RFC 5737) for the public address. */
    static final Map<String, String> REQUIRED_VARIABLES = Map.of(
            "ICEMESH_TURN_SECRET", "compose-test-turn-secret-0123456789abcdef",
            "ICEMESH_SIGNALING_AUTH_JWT_SECRET", "compose-test-jwt-secret-0123456789abcdef",
            "GRAFANA_ADMIN_PASSWORD", "compose-test-grafana",
            "ICEMESH_PUBLIC_ADDRESS", "192.0.2.10");

    static JsonNode config;

    @BeforeAll
    static void render() {
        Path compose = Tools.require("docker-compose", "apt-get install docker-compose (1.29, validates offline)");
        Tools.Result r = Tools.run(Tools.command(compose, "-f", "docker-compose.yml", "config"), REQUIRED_VARIABLES,
                Repo.ROOT);
        assertEquals(0, r.exitCode(), "docker-compose config rejected docker-compose.yml:\n" + r.stderr());
        config = Yaml.read(r.stdout());
    }

    @Test
    void secretsAndThePublicAddressMustComeFromTheEnvironment() {
        Path compose = Tools.require("docker-compose", "apt-get install docker-compose");
        for (String variable : REQUIRED_VARIABLES.keySet()) {
            Map<String, String> env = new LinkedHashMap<>(REQUIRED_VARIABLES);
            env.remove(variable);
            List<String> cmd = new ArrayList<>(List.of("env", "-u", variable));
            cmd.addAll(Tools.command(compose, "-f", "docker-compose.yml", "config", "-q"));
            Tools.Result r = Tools.run(cmd, env, Repo.ROOT);
            assertTrue(r.exitCode() != 0 && r.stderr().contains(variable),
                    "docker-compose config must refuse to run without " + variable + ": " + r.stderr());
        }
        JsonNode raw = Yaml.read(Repo.read("docker-compose.yml"));
        raw.path("services").properties().forEach(s -> s.getValue().path("environment").properties().forEach(e -> {
            if (e.getKey().contains("SECRET") || e.getKey().contains("PASSWORD")) {
                assertTrue(e.getValue().asText().startsWith("${"),
                        s.getKey() + " " + e.getKey() + " must be taken from the environment, not written in the file");
            }
        }));
    }

    @Test
    void everyServiceGetsTheConfigItRequires() {
        List<String> problems = new ArrayList<>();
        for (Services s : Services.all()) {
            Map<String, String> env = environment(s.module);
            ServiceConfig c = ServiceConfig.of(s);
            for (String key : c.requiredKeys()) {
                if (!env.containsKey(ServiceConfig.envName(key))) {
                    problems.add(s.module + " requires " + key + " (" + ServiceConfig.envName(key) + ")");
                }
            }
            env.keySet().stream().filter(n -> !c.knowsEnv(n))
                    .forEach(n -> problems.add(s.module + ": " + n + " sets nothing the service reads"));
            problems.addAll(c.resolve(env).problems());
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void publishedPortsAreTheOnesTheServicesListenOn() {
        List<String> problems = new ArrayList<>();
        for (Services s : Services.all()) {
            ServiceConfig.Effective c = ServiceConfig.of(s).resolve(environment(s.module));
            Set<String> published = ports(s.module);
            Set<String> expected = new TreeSet<>(Set.of(c.httpPort() + "/tcp"));
            switch (s) {
                case TURN -> {
                    expected.add(c.intValue("icemesh.turn.listen.udp-port") + "/udp");
                    expected.add(c.intValue("icemesh.turn.listen.tcp-port") + "/tcp");
                    expected.add(c.intValue("icemesh.turn.listen.tls-port") + "/tcp");
                    IntStream.rangeClosed(c.intValue("icemesh.turn.relay.min-port"), c.intValue("icemesh.turn.relay.max-port"))
                            .forEach(p -> expected.add(p + "/udp"));
                }
                case MEDIA -> expected.add(c.intValue("icemesh.media.ice.udp-port") + "/udp");
                default -> {
                }
            }
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(published);
            Set<String> extra = new TreeSet<>(published);
            extra.removeAll(expected);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                problems.add(s.module + " does not publish " + missing + " where it listens, and publishes " + extra
                        + " where it does not");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void stopGracePeriodCoversTheDrain() {
        for (Services s : Services.all()) {
            ServiceConfig.Effective c = ServiceConfig.of(s).resolve(environment(s.module));
            long needed = c.shutdownTimeout().toSeconds() + 10;
            if (s == Services.TURN) {
                needed += c.durationValue("icemesh.turn.drain.grace").toSeconds();
            } else if (s == Services.MEDIA) {
                needed += c.durationValue("icemesh.media.drain.grace").toSeconds();
            }
            String grace = config.path("services").path(s.module).path("stop_grace_period").asText("10s");
            assertTrue(Duration.parse("PT" + grace.toUpperCase()).toSeconds() >= needed,
                    s.module + ": stop_grace_period " + grace + " is shorter than its drain, " + needed + " s");
        }
    }

    @Test
    void topicsAreCreatedWithTheContractsCleanupPolicies() {
        Map<String, String> created = new TreeMap<>();
        for (String t : environment("kafka-topics").get("TOPICS").trim().split("\\s+")) {
            created.put(t.substring(0, t.indexOf(':')), t.substring(t.indexOf(':') + 1));
        }
        Map<String, String> expected = new TreeMap<>();
        KafkaTopicsTest.contractTopics().forEach(
                t -> expected.put(t, KafkaTopicsTest.COMPACTED.contains(t) ? "compact" : "delete"));
        assertEquals(expected, created);
        assertEquals("false", environment("kafka").get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
    }

    @Test
    void servicesReachKafkaAtItsAdvertisedListener() {
        String advertised = environment("kafka").get("KAFKA_ADVERTISED_LISTENERS");
        assertNotNull(advertised);
        String plain = advertised.replace("PLAINTEXT://", "");
        for (Services s : Services.all()) {
            assertEquals(plain, environment(s.module).get("KAFKA_BOOTSTRAP_SERVERS"), s.module);
        }
    }

    @Test
    void prometheusScrapesEveryServiceAndGrafanaGetsTheDashboards() {
        JsonNode prometheus = Yaml.read(Repo.read("deploy/compose/prometheus.yml"));
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            assertEquals("/q/metrics", job.path("metrics_path").asText());
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        Set<String> expected = new TreeSet<>();
        for (Services s : Services.all()) {
            expected.add(s.module + ":" + ServiceConfig.of(s).resolve(environment(s.module)).httpPort());
        }
        assertEquals(expected, targets);
        String volumes = config.path("services").path("prometheus").path("volumes").toString();
        assertTrue(volumes.contains("deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml"), volumes);
        String grafana = config.path("services").path("grafana").path("volumes").toString();
        assertTrue(grafana.contains("deploy/grafana:/var/lib/grafana/dashboards"), grafana);
        JsonNode provider = Yaml.read(Repo.read("deploy/compose/grafana/provisioning/dashboards/icemesh.yml"));
        assertEquals("/var/lib/grafana/dashboards", provider.at("/providers/0/options/path").asText());
    }

    @Test
    void imagesAreBuiltFromEachServicesDockerfile() {
        for (Services s : Services.all()) {
            JsonNode svc = config.path("services").path(s.module);
            assertEquals("icemesh/" + s.module, svc.path("image").asText().replaceAll(":[^:/]+$", ""));
            assertTrue(svc.path("build").path("context").asText().endsWith("/" + s.module));
            assertEquals("src/main/docker/Dockerfile.jvm", svc.path("build").path("dockerfile").asText());
        }
        assertFalse(config.path("services").path("kafka").path("image").asText().isEmpty());
    }

    private static Map<String, String> environment(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        config.path("services").path(service).path("environment").properties()
                .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    /**
     * "port/protocol" for every published port; with the default host ports each must be published on the same
     * number it targets. docker-compose renders a port with a host address as "address:published:target/protocol",
     * one without as a mapping.
     */
    private static Set<String> ports(String service) {
        Set<String> ports = new TreeSet<>();
        for (JsonNode p : config.path("services").path(service).path("ports")) {
            int target;
            int published;
            String protocol;
            if (p.isTextual()) {
                Matcher m = SHORT_PORT.matcher(p.asText());
                assertTrue(m.matches(), service + ": cannot read the port " + p);
                published = Integer.parseInt(m.group(1));
                target = Integer.parseInt(m.group(2));
                protocol = m.group(3) == null ? "tcp" : m.group(3);
            } else {
                target = p.path("target").asInt();
                published = p.path("published").asInt();
                protocol = p.path("protocol").asText("tcp");
            }
            assertEquals(target, published, service + " publishes " + p + " on another number than it listens on");
            ports.add(target + "/" + protocol);
        }
        return ports;
    }

    /** "0.0.0.0:8080:8080/tcp": host address, published port, target port, protocol. */
    private static final Pattern SHORT_PORT = Pattern.compile("(?:[^:]+:)?(\\d+):(\\d+)(?:/(tcp|udp))?");
}
