package io.icemesh.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One rendered overlay: lookups by kind and name, and a container's environment as the kubelet would build it. */
final class Rendered {

    /** Secrets k8s/ expects to exist (created out of band, docs/deploy.md) and the keys it reads from them. */
    static final Map<String, List<String>> EXTERNAL_SECRETS = Map.of("icemesh-secrets", List.of("turn-secret", "jwt-secret"));

    final String overlay;
    final List<JsonNode> objects;

    Rendered(String overlay) {
        this.overlay = overlay;
        this.objects = Kustomize.render(overlay);
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst();
    }

    /** Deployments and DaemonSets. */
    List<JsonNode> workloads() {
        List<JsonNode> w = new ArrayList<>(ofKind("Deployment"));
        w.addAll(ofKind("DaemonSet"));
        return w;
    }

    Optional<JsonNode> workload(String name) {
        return workloads().stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst();
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : podSpec(workload).path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(workload.path("metadata").path("name").asText() + " has no container " + name);
    }

    /** A container's environment variable and where its value comes from. */
    record EnvVar(String value, String source) {
        boolean fromSecret() {
            return source.startsWith("secret:");
        }
    }

    /**
     * The container's environment: envFrom ConfigMaps first, then env entries (which win). Values from Secrets and
     * the downward API are placeholders (they exist only in a cluster); problems lists references that would not
     * resolve.
     */
    Map<String, EnvVar> environment(JsonNode container, List<String> problems) {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        String where = overlay + " container " + container.path("name").asText();
        for (JsonNode from : container.path("envFrom")) {
            if (from.has("configMapRef")) {
                String name = from.path("configMapRef").path("name").asText();
                Optional<JsonNode> cm = find("ConfigMap", name);
                if (cm.isEmpty()) {
                    problems.add(where + ": envFrom ConfigMap " + name + " is not in the overlay");
                    continue;
                }
                cm.get().path("data").properties().forEach(
                        e -> env.put(e.getKey(), new EnvVar(e.getValue().asText(), "configmap:" + name)));
            } else {
                problems.add(where + ": envFrom other than a ConfigMap: " + from);
            }
        }
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            if (e.has("value")) {
                env.put(name, new EnvVar(e.path("value").asText(), "literal"));
                continue;
            }
            JsonNode from = e.path("valueFrom");
            if (from.has("secretKeyRef")) {
                String secret = from.path("secretKeyRef").path("name").asText();
                String key = from.path("secretKeyRef").path("key").asText();
                if (!EXTERNAL_SECRETS.getOrDefault(secret, List.of()).contains(key)) {
                    problems.add(where + ": " + name + " reads Secret " + secret + " key " + key
                            + ", which docs/deploy.md does not tell anyone to create");
                }
                env.put(name, new EnvVar("secret-" + secret + "-" + key + "-0123456789abcdef0123456789abcdef",
                        "secret:" + secret + "/" + key));
            } else if (from.has("fieldRef")) {
                String field = from.path("fieldRef").path("fieldPath").asText();
                String value = switch (field) {
                    case "status.hostIP", "status.podIP" -> "10.0.0.10";
                    case "spec.nodeName", "metadata.name" -> "node-a";
                    default -> {
                        problems.add(where + ": " + name + " uses an unexpected fieldRef " + field);
                        yield "";
                    }
                };
                env.put(name, new EnvVar(value, "field:" + field));
            } else if (from.has("configMapKeyRef")) {
                String cmName = from.path("configMapKeyRef").path("name").asText();
                String key = from.path("configMapKeyRef").path("key").asText();
                JsonNode value = find("ConfigMap", cmName).map(cm -> cm.path("data").path(key)).orElse(null);
                if (value == null || value.isMissingNode()) {
                    problems.add(where + ": " + name + " reads ConfigMap " + cmName + " key " + key + ", which is missing");
                } else {
                    env.put(name, new EnvVar(value.asText(), "configmap:" + cmName));
                }
            } else {
                problems.add(where + ": " + name + " has neither a value nor a known valueFrom");
            }
        }
        return env;
    }

    /** Whether every label of {@code selector} is on {@code labels}. */
    static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (var e : selector.properties()) {
            if (!labels.path(e.getKey()).asText("\u0000").equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }
}
