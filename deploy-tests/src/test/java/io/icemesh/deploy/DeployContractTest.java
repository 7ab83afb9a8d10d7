package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The checkers themselves (they must be able to fail) and the copies k8s/ keeps of files under deploy/. */
class DeployContractTest {

    @Test
    void schemaCheckRejectsUnknownFieldsWrongTypesAndUnknownKinds() {
        JsonNode typo = Yaml.read("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers:
                        - name: x
                          image: x
                          livenessprobe: {httpGet: {path: /q/health/live, port: 8080}}
                """);
        assertTrue(StrictModel.violations(typo).toString().contains("livenessprobe"), StrictModel.violations(typo).toString());
        JsonNode wrongType = Yaml.read("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec: {replicas: "two"}
                """);
        assertFalse(StrictModel.violations(wrongType).isEmpty());
        JsonNode boolLabel = Yaml.read("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: x, labels: {grafana_dashboard: true}}
                """);
        assertFalse(StrictModel.violations(boolLabel).isEmpty(), "a label value must be a string");
        JsonNode strimziTypo = Yaml.read("""
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: t}
                spec: {topicName: t, partition: 3}
                """);
        assertTrue(StrictModel.violations(strimziTypo).toString().contains("partition"));
        JsonNode monitorTypo = Yaml.read("""
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: m}
                spec: {endpoints: [{port: http, metricsPath: /q/metrics}]}
                """);
        assertFalse(StrictModel.violations(monitorTypo).isEmpty());
        JsonNode unknownKind = Yaml.read("""
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                """);
        assertFalse(StrictModel.violations(unknownKind).isEmpty());
        JsonNode fine = Yaml.read("""
                apiVersion: v1
                kind: Service
                metadata: {name: s}
                spec: {selector: {a: b}, ports: [{name: http, port: 80, targetPort: http}]}
                """);
        assertEquals(List.of(), StrictModel.violations(fine));
    }

    @Test
    void requiredKeysComeFromTheServicesCode() {
        assertTrue(ServiceConfig.of(Services.TURN).requiredKeys().contains("icemesh.turn.secret"));
        assertEquals(Set.of("icemesh.signaling.auth.jwt-secret", "icemesh.turn.secret"),
                ServiceConfig.of(Services.SIGNALING).requiredKeys());
        for (Services s : Services.all()) {
            assertTrue(ServiceConfig.of(s).loopbackKeys().contains("kafka.bootstrap.servers"),
                    s.module + ": the local Kafka address must be one a cluster overrides");
        }
    }

    @Test
    void aServiceWithoutItsSecretWouldNotStart() {
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "ICEMESH_TURN_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"));
        assertEquals(List.of(), ServiceConfig.of(Services.TURN).resolve(env).problems());
        env.remove("ICEMESH_TURN_SECRET");
        assertFalse(ServiceConfig.of(Services.TURN).resolve(env).problems().isEmpty());
        env.put("ICEMESH_TURN_SECRET", "x");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        assertFalse(ServiceConfig.of(Services.TURN).resolve(env).problems().isEmpty(), "loopback Kafka in a cluster");
        assertFalse(ServiceConfig.of(Services.TURN).knowsEnv("ICEMESH_TURN_RELAY_PUBLC_ADDRESS"));
        assertTrue(ServiceConfig.of(Services.TURN).knowsEnv("ICEMESH_TURN_RELAY_PUBLIC_ADDRESS"));
    }

    @Test
    void grafanaDashboardsInK8sAreTheOnesInDeploy() throws IOException {
        Path source = Repo.path("deploy/grafana");
        Path copy = Repo.path("k8s/base/monitoring/dashboards");
        List<String> sources;
        try (Stream<Path> s = Files.list(source)) {
            sources = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        List<String> copies;
        try (Stream<Path> s = Files.list(copy)) {
            copies = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertFalse(sources.isEmpty());
        assertEquals(sources, copies, "refresh with: cp deploy/grafana/*.json k8s/base/monitoring/dashboards/");
        for (String name : sources) {
            assertArrayEquals(Files.readAllBytes(source.resolve(name)), Files.readAllBytes(copy.resolve(name)),
                    name + " differs from deploy/grafana: cp deploy/grafana/*.json k8s/base/monitoring/dashboards/");
        }
        String kustomization = Repo.read("k8s/base/monitoring/kustomization.yaml");
        for (String name : sources) {
            assertTrue(kustomization.contains("dashboards/" + name), name + " is not in a configMapGenerator");
        }
    }

    @Test
    void prometheusRuleHoldsTheAlertsOfDeploy() {
        JsonNode alerts = Yaml.read(Repo.read("deploy/prometheus/alerts.yml"));
        JsonNode rule = Yaml.read(Repo.read("k8s/base/monitoring/prometheusrule.yaml"));
        assertEquals(alerts.path("groups"), rule.path("spec").path("groups"),
                "k8s/base/monitoring/prometheusrule.yaml must carry deploy/prometheus/alerts.yml's groups unchanged");
    }
}
