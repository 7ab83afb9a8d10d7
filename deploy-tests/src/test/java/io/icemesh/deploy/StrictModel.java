package io.icemesh.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Offline schema validation: each rendered object is read into the typed model of its apiVersion and kind
 * (fabric8's Kubernetes model, Strimzi's API classes, {@link PrometheusOperatorModel}) and must fit it exactly.
 * The fabric8 and Strimzi classes keep fields they do not know in an "additionalProperties" map instead of failing,
 * so after reading, every model object in the tree is walked and any such field is a violation; scalars are not
 * coerced (a string where the API wants an integer or a boolean fails, as the API server would refuse it).
 */
final class StrictModel {

    /** The kinds k8s/ may contain, by "apiVersion kind". Anything else is a violation. */
    static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1 Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            Map.entry("v1 ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("v1 Secret", io.fabric8.kubernetes.api.model.Secret.class),
            Map.entry("v1 Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("apps/v1 Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("apps/v1 DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class),
            Map.entry("autoscaling/v2 HorizontalPodAutoscaler",
                    io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
            Map.entry("policy/v1 PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1 NetworkPolicy",
                    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1 Ingress", io.fabric8.kubernetes.api.model.networking.v1.Ingress.class),
            Map.entry("kafka.strimzi.io/v1beta2 Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class),
            Map.entry("kafka.strimzi.io/v1beta2 KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2 KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class),
            Map.entry("monitoring.coreos.com/v1 ServiceMonitor", PrometheusOperatorModel.ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1 PrometheusRule", PrometheusOperatorModel.PrometheusRule.class));

    private static final ObjectMapper STRICT = strictMapper();

    private StrictModel() {
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // The API server refuses a number or a boolean where it wants a string (a label value `true`, unquoted).
        for (CoercionInputShape shape : List.of(CoercionInputShape.Boolean, CoercionInputShape.Integer,
                CoercionInputShape.Float)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /** Problems with one object, each starting with its kind and name; empty when it fits its schema. */
    static List<String> violations(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        String id = kind + "/" + object.path("metadata").path("name").asText("<no name>");
        List<String> problems = new ArrayList<>();
        Class<?> type = KINDS.get(apiVersion + " " + kind);
        if (type == null) {
            problems.add(id + ": apiVersion " + apiVersion + " kind " + kind + " is not a kind these tests know");
            return problems;
        }
        if (object.path("metadata").path("name").asText().isEmpty()) {
            problems.add(id + ": metadata.name is missing");
        }
        Object typed;
        try {
            typed = STRICT.treeToValue(object, type);
        } catch (Exception e) {
            problems.add(id + ": does not fit " + type.getSimpleName() + ": " + e.getMessage().lines().findFirst().orElse(""));
            return problems;
        }
        unknownFields(typed, id, problems);
        return problems;
    }

    /** Walks the model objects reachable through getters and reports every non-empty additionalProperties. */
    private static void unknownFields(Object node, String path, List<String> problems) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "[" + e.getKey() + "]", problems);
            }
            return;
        }
        if (node instanceof Record record) {
            for (var component : record.getClass().getRecordComponents()) {
                try {
                    unknownFields(component.getAccessor().invoke(record), path + "." + component.getName(), problems);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    problems.add(path + ": cannot read " + component.getName() + ": " + e);
                }
            }
            return;
        }
        String pkg = node.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.kubernetes.api.model") && !pkg.startsWith("io.strimzi.api")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            if (field.equals("additionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else {
                unknownFields(value, path + "." + field, problems);
            }
        }
    }
}
