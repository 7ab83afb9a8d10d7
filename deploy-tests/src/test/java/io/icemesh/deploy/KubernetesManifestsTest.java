package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay under k8s/overlays, rendered by kubectl kustomize, checked offline: schema, references between
 * objects, and each service's workload against the service's own configuration (required keys, ports, probes,
 * shutdown time).
 */
class KubernetesManifestsTest {

    static List<String> overlays() {
        return Kustomize.overlays();
    }

    @Test
    void overlaysExistForDevAndBothProductionExposures() {
        assertEquals(List.of("dev", "prod", "prod-loadbalancer"), overlays());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyObjectFitsItsApiSchema(String overlay) {
        Rendered r = new Rendered(overlay);
        assertFalse(r.objects.isEmpty(), overlay + " rendered nothing");
        List<String> problems = new ArrayList<>();
        for (JsonNode o : r.objects) {
            problems.addAll(StrictModel.violations(o));
            if (!o.path("kind").asText().equals("Namespace")) {
                if (!o.path("metadata").path("namespace").asText().equals("icemesh")) {
                    problems.add(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()
                            + " is not in namespace icemesh");
                }
            }
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void noSecretValueIsInTheRepository(String overlay) {
        Rendered r = new Rendered(overlay);
        assertEquals(List.of(), r.ofKind("Secret").stream().map(s -> s.path("metadata").path("name").asText()).toList(),
                overlay + " renders Secrets: secrets are created in the cluster (docs/deploy.md), never committed");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyReferenceBetweenObjectsResolves(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        for (JsonNode w : r.workloads()) {
            String name = w.path("metadata").path("name").asText();
            JsonNode podLabels = w.path("spec").path("template").path("metadata").path("labels");
            if (!Rendered.selects(w.path("spec").path("selector").path("matchLabels"), podLabels)) {
                problems.add(name + ": selector does not match its pod template labels");
            }
            for (JsonNode c : Rendered.podSpec(w).path("containers")) {
                r.environment(c, problems);
            }
            if (Rendered.podSpec(w).path("hostNetwork").asBoolean()
                    && !Rendered.podSpec(w).path("dnsPolicy").asText().equals("ClusterFirstWithHostNet")) {
                problems.add(name + ": hostNetwork without dnsPolicy ClusterFirstWithHostNet cannot resolve the Kafka Service");
            }
        }
        for (JsonNode s : r.ofKind("Service")) {
            String name = s.path("metadata").path("name").asText();
            List<JsonNode> targets = r.workloads().stream().filter(w -> Rendered.selects(s.path("spec").path("selector"),
                    w.path("spec").path("template").path("metadata").path("labels"))).toList();
            if (targets.isEmpty()) {
                problems.add("Service " + name + " selects no workload");
            }
            for (JsonNode port : s.path("spec").path("ports")) {
                JsonNode target = port.path("targetPort");
                if (target.isInt()) {
                    // A numeric targetPort needs no container port (the relay range is checked against TURN's config).
                    continue;
                }
                for (JsonNode w : targets) {
                    if (!hasContainerPort(w, target, port.path("protocol").asText("TCP"))) {
                        problems.add("Service " + name + " port " + port.path("name").asText() + " targets " + target
                                + ", which " + w.path("metadata").path("name").asText() + " does not expose");
                    }
                }
            }
        }
        for (JsonNode hpa : r.ofKind("HorizontalPodAutoscaler")) {
            JsonNode ref = hpa.path("spec").path("scaleTargetRef");
            if (r.find(ref.path("kind").asText(), ref.path("name").asText()).isEmpty()) {
                problems.add("HPA " + hpa.path("metadata").path("name").asText() + " scales a missing " + ref);
            }
        }
        for (JsonNode pdb : r.ofKind("PodDisruptionBudget")) {
            JsonNode sel = pdb.path("spec").path("selector").path("matchLabels");
            if (r.workloads().stream().noneMatch(
                    w -> Rendered.selects(sel, w.path("spec").path("template").path("metadata").path("labels")))) {
                problems.add("PDB " + pdb.path("metadata").path("name").asText() + " selects no workload");
            }
        }
        for (JsonNode ing : r.ofKind("Ingress")) {
            for (JsonNode rule : ing.path("spec").path("rules")) {
                for (JsonNode p : rule.path("http").path("paths")) {
                    String svc = p.path("backend").path("service").path("name").asText();
                    if (r.find("Service", svc).isEmpty()) {
                        problems.add("Ingress " + ing.path("metadata").path("name").asText() + " routes to missing Service " + svc);
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyServiceGetsTheConfigItRequires(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        for (Services s : Services.all()) {
            JsonNode w = r.workload(s.module).orElse(null);
            if (w == null) {
                problems.add(s.module + " has no Deployment or DaemonSet");
                continue;
            }
            ServiceConfig config = ServiceConfig.of(s);
            Map<String, Rendered.EnvVar> env = r.environment(Rendered.container(w, s.module), problems);
            for (String key : config.requiredKeys()) {
                Rendered.EnvVar var = env.get(ServiceConfig.envName(key));
                if (var == null) {
                    problems.add(s.module + " requires " + key + " (" + ServiceConfig.envName(key) + "), which is not set");
                } else if (key.contains("secret") && !var.fromSecret()) {
                    problems.add(s.module + ": " + key + " comes from " + var.source() + ", not from a Secret");
                }
            }
            for (String name : env.keySet()) {
                if (!config.knowsEnv(name)) {
                    problems.add(s.module + ": " + name + " sets nothing the service reads (a typo?)");
                }
            }
            problems.addAll(config.resolve(values(env)).problems());
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesAskForHealthPathsOnThePortTheServiceServes(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        for (Services s : Services.all()) {
            assertTrue(Repo.read(s.module + "/pom.xml").contains("<artifactId>quarkus-smallrye-health</artifactId>"),
                    s.module + " does not depend on quarkus-smallrye-health, so it serves no /q/health");
            JsonNode w = r.workload(s.module).orElseThrow(() -> new AssertionError(s.module + " missing in " + overlay));
            JsonNode c = Rendered.container(w, s.module);
            ServiceConfig.Effective config = ServiceConfig.of(s).resolve(values(r.environment(c, problems)));
            if (config.config() == null) {
                problems.addAll(config.problems());
                continue;
            }
            for (var probe : Map.of("startupProbe", "startup", "livenessProbe", "liveness", "readinessProbe", "readiness")
                    .entrySet()) {
                JsonNode get = c.path(probe.getKey()).path("httpGet");
                if (get.isMissingNode()) {
                    problems.add(s.module + " has no " + probe.getKey() + " with httpGet");
                    continue;
                }
                String expected = config.healthPath(probe.getValue());
                if (!get.path("path").asText().equals(expected)) {
                    problems.add(s.module + " " + probe.getKey() + " asks for " + get.path("path").asText()
                            + "; the service serves " + expected);
                }
                Integer port = containerPort(c, get.path("port"));
                if (port == null || port != config.httpPort()) {
                    problems.add(s.module + " " + probe.getKey() + " port " + get.path("port") + " is " + port
                            + "; quarkus.http.port is " + config.httpPort());
                }
            }
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void udpAndTcpPortsMatchTheServicesListeners(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        JsonNode turn = r.workload("turn-service").orElseThrow();
        JsonNode turnContainer = Rendered.container(turn, "turn-service");
        ServiceConfig.Effective turnConfig = ServiceConfig.of(Services.TURN).resolve(values(r.environment(turnContainer, problems)));
        Set<String> turnPorts = ports(turnContainer);
        for (String expected : List.of(turnConfig.intValue("icemesh.turn.listen.udp-port") + "/UDP",
                turnConfig.intValue("icemesh.turn.listen.tcp-port") + "/TCP",
                turnConfig.intValue("icemesh.turn.listen.tls-port") + "/TCP")) {
            if (!turnPorts.contains(expected)) {
                problems.add("turn-service listens on " + expected + " but its container declares " + turnPorts);
            }
        }
        JsonNode media = r.workload("media-service").orElseThrow();
        JsonNode mediaContainer = Rendered.container(media, "media-service");
        ServiceConfig.Effective mediaConfig = ServiceConfig.of(Services.MEDIA).resolve(values(r.environment(mediaContainer, problems)));
        String mediaUdp = mediaConfig.intValue("icemesh.media.ice.udp-port") + "/UDP";
        if (!ports(mediaContainer).contains(mediaUdp)) {
            problems.add("media-service's ICE port is " + mediaUdp + " but its container declares " + ports(mediaContainer));
        }
        boolean hostNetwork = Rendered.podSpec(turn).path("hostNetwork").asBoolean();
        if (!hostNetwork) {
            // Behind a LoadBalancer, every relay port must be forwarded, and only those.
            JsonNode lb = r.find("Service", "turn-service").orElseThrow(() -> new AssertionError(
                    overlay + ": turn-service is not on the host network and has no LoadBalancer Service"));
            assertEquals("LoadBalancer", lb.path("spec").path("type").asText());
            assertEquals("Local", lb.path("spec").path("externalTrafficPolicy").asText(),
                    "TURN behind a LoadBalancer needs the clients' own source addresses");
            Set<Integer> relay = new TreeSet<>();
            for (JsonNode p : lb.path("spec").path("ports")) {
                if (p.path("name").asText().startsWith("relay-")) {
                    relay.add(p.path("port").asInt());
                }
            }
            int min = turnConfig.intValue("icemesh.turn.relay.min-port");
            int max = turnConfig.intValue("icemesh.turn.relay.max-port");
            Set<Integer> expected = new TreeSet<>(IntStream.rangeClosed(min, max).boxed().toList());
            assertEquals(expected, relay, "the LoadBalancer must forward exactly the relay range " + min + "-" + max);
            JsonNode mediaLb = r.find("Service", "media-service").orElseThrow();
            assertEquals("Local", mediaLb.path("spec").path("externalTrafficPolicy").asText());
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podsGetTimeToDrainBeforeTheyAreKilled(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        for (Services s : Services.all()) {
            JsonNode w = r.workload(s.module).orElseThrow();
            ServiceConfig.Effective config = ServiceConfig.of(s).resolve(
                    values(r.environment(Rendered.container(w, s.module), problems)));
            long needed = config.shutdownTimeout().toSeconds() + 10;
            String drainKey = switch (s) {
                case TURN -> "icemesh.turn.drain.grace";
                case MEDIA -> "icemesh.media.drain.grace";
                default -> null;
            };
            if (drainKey != null) {
                needed += config.durationValue(drainKey).toSeconds();
            }
            long grace = Rendered.podSpec(w).path("terminationGracePeriodSeconds").asLong(30);
            if (grace < needed) {
                problems.add(s.module + ": terminationGracePeriodSeconds " + grace + " < " + needed
                        + " (drain grace + quarkus.shutdown.timeout + 10 s)");
            }
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsAndAMemoryLimit(String overlay) {
        Rendered r = new Rendered(overlay);
        List<String> problems = new ArrayList<>();
        for (JsonNode w : r.workloads()) {
            for (JsonNode c : Rendered.podSpec(w).path("containers")) {
                JsonNode res = c.path("resources");
                for (String path : List.of("requests/cpu", "requests/memory", "limits/memory")) {
                    if (res.at("/" + path).isMissingNode()) {
                        problems.add(w.path("metadata").path("name").asText() + " has no " + path);
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), overlay + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void productionOverlaysCarryDisruptionBudgetsPoliciesAndAutoscaling(String overlay) {
        Rendered r = new Rendered(overlay);
        if (overlay.equals("dev")) {
            assertTrue(r.ofKind("HorizontalPodAutoscaler").isEmpty(), "dev runs single replicas");
            return;
        }
        assertEquals(Set.of("turn-service", "media-service", "signaling-service"),
                names(r.ofKind("PodDisruptionBudget")));
        assertTrue(names(r.ofKind("NetworkPolicy")).contains("default-deny-ingress"));
        boolean hostNetwork = Rendered.podSpec(r.workload("media-service").orElseThrow()).path("hostNetwork").asBoolean();
        // Behind one LoadBalancer a second media pod would break ICE, so only host networking autoscales media.
        assertEquals(hostNetwork ? Set.of("media-service", "signaling-service") : Set.of("signaling-service"),
                names(r.ofKind("HorizontalPodAutoscaler")));
        if (hostNetwork) {
            JsonNode anti = Rendered.podSpec(r.workload("media-service").orElseThrow())
                    .at("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/topologyKey");
            assertEquals("kubernetes.io/hostname", anti.asText(), "two media pods on one node would share UDP 10000");
        }
        JsonNode pool = r.ofKind("KafkaNodePool").get(0);
        assertFalse(pool.at("/spec/template/pod/affinity/podAntiAffinity").isMissingNode(),
                "Kafka brokers must not share a node in production");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void signalingScalesOutBehindAServiceWithoutStickiness(String overlay) {
        Rendered r = new Rendered(overlay);
        JsonNode signaling = r.workload("signaling-service").orElseThrow();
        boolean dev = overlay.equals("dev");
        assertEquals(dev ? 2 : 3, signaling.at("/spec/replicas").asInt(), overlay + ": signaling replicas");
        assertEquals("RollingUpdate", signaling.at("/spec/strategy/type").asText(),
                "replicas are replaced one by one, their clients resuming on the others");
        assertEquals(0, signaling.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
        JsonNode service = r.find("Service", "signaling-service").orElseThrow();
        assertEquals("None", service.at("/spec/sessionAffinity").asText(), "no session affinity");
        JsonNode ingress = r.find("Ingress", "signaling-service").orElseThrow();
        ingress.path("metadata").path("annotations").fieldNames().forEachRemaining(a -> assertFalse(
                a.contains("affinity") || a.contains("sticky"), "the ingress pins clients to a replica: " + a));
        if (dev) {
            assertTrue(r.find("HorizontalPodAutoscaler", "signaling-service").isEmpty());
            return;
        }
        JsonNode hpa = r.find("HorizontalPodAutoscaler", "signaling-service").orElseThrow();
        assertEquals("signaling-service", hpa.at("/spec/scaleTargetRef/name").asText());
        assertEquals(3, hpa.at("/spec/minReplicas").asInt(), "the HPA keeps the three replicas");
        assertTrue(hpa.at("/spec/maxReplicas").asInt() > 3);
        JsonNode pdb = r.find("PodDisruptionBudget", "signaling-service").orElseThrow();
        assertEquals(1, pdb.at("/spec/maxUnavailable").asInt(), "one replica at a time is drained");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void siteValuesReachTheObjectsTheyConfigure(String overlay) {
        Rendered r = new Rendered(overlay);
        JsonNode site = Yaml.read(Repo.read("k8s/components/site/kustomization.yaml"));
        Map<String, String> values = new java.util.HashMap<>();
        for (JsonNode gen : site.path("configMapGenerator")) {
            for (JsonNode literal : gen.path("literals")) {
                String[] kv = literal.asText().split("=", 2);
                values.put(kv[0], kv[1]);
            }
        }
        assertEquals(Set.of("domain", "turn-public-address", "media-public-address"), values.keySet());
        JsonNode ingress = r.find("Ingress", "signaling-service").orElseThrow();
        assertEquals(values.get("domain"), ingress.at("/spec/rules/0/host").asText());
        assertEquals(values.get("domain"), ingress.at("/spec/tls/0/hosts/0").asText());
        assertEquals(values.get("turn-public-address"),
                r.find("ConfigMap", "turn-service-config").orElseThrow().at("/data/ICEMESH_TURN_RELAY_PUBLIC_ADDRESS").asText());
        assertEquals(values.get("media-public-address"),
                r.find("ConfigMap", "media-service-config").orElseThrow().at("/data/ICEMESH_MEDIA_PUBLIC_ADDRESS").asText());
        assertTrue(r.find("ConfigMap", "icemesh-site").isEmpty(), "the values ConfigMap is local to kustomize");
        for (JsonNode image : site.path("images")) {
            String module = image.path("name").asText().replace("icemesh/", "");
            String expected = image.path("newName").asText() + ":" + image.path("newTag").asText();
            JsonNode w = r.workload(module).orElseThrow();
            assertEquals(expected, Rendered.container(w, module).path("image").asText(), module + " image in " + overlay);
        }
    }

    private static Set<String> names(List<JsonNode> objects) {
        Set<String> names = new TreeSet<>();
        objects.forEach(o -> names.add(o.path("metadata").path("name").asText()));
        return names;
    }

    static Map<String, String> values(Map<String, Rendered.EnvVar> env) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        env.forEach((k, v) -> values.put(k, v.value()));
        return values;
    }

    private static Set<String> ports(JsonNode container) {
        Set<String> ports = new TreeSet<>();
        for (JsonNode p : container.path("ports")) {
            ports.add(p.path("containerPort").asInt() + "/" + p.path("protocol").asText("TCP"));
        }
        return ports;
    }

    private static Integer containerPort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return null;
    }

    private static boolean hasContainerPort(JsonNode workload, JsonNode target, String protocol) {
        for (JsonNode c : Rendered.podSpec(workload).path("containers")) {
            for (JsonNode p : c.path("ports")) {
                boolean match = target.isInt() ? p.path("containerPort").asInt() == target.asInt()
                        : p.path("name").asText().equals(target.asText());
                if (match && p.path("protocol").asText("TCP").equals(protocol)) {
                    return true;
                }
            }
        }
        return false;
    }
}
