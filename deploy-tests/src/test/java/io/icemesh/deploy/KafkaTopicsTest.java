package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.events.v1.Topics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Strimzi resources against the event contract: one KafkaTopic per topic, compaction where the contract says. */
class KafkaTopicsTest {

    /** The compacted topics (README's topic table, docs/architecture.md): the latest value per key is what counts. */
    static final Set<String> COMPACTED = Set.of(Topics.SERVER_HEALTH, Topics.NODES, Topics.SIGNALING_ROOM_SNAPSHOTS);

    static List<String> overlays() {
        return Kustomize.overlays();
    }

    static Set<String> contractTopics() {
        Set<String> topics = new TreeSet<>();
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    topics.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return topics;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyTopicOfTheContractIsAKafkaTopicWithItsCleanupPolicy(String overlay) {
        Rendered r = new Rendered(overlay);
        JsonNode kafka = r.ofKind("Kafka").get(0);
        String cluster = kafka.path("metadata").path("name").asText();
        Map<String, String> policies = new TreeMap<>();
        for (JsonNode t : r.ofKind("KafkaTopic")) {
            assertEquals(cluster, t.path("metadata").path("labels").path("strimzi.io/cluster").asText(),
                    "KafkaTopic " + t.path("metadata").path("name").asText() + " belongs to another cluster");
            policies.put(t.path("spec").path("topicName").asText(),
                    t.path("spec").path("config").path("cleanup.policy").asText());
        }
        assertEquals(contractTopics(), policies.keySet(), "KafkaTopics must match io.icemesh.events.v1.Topics");
        policies.forEach((topic, policy) -> assertEquals(COMPACTED.contains(topic) ? "compact" : "delete", policy,
                "cleanup.policy of " + topic));
        assertEquals(1, r.ofKind("KafkaNodePool").size(), "one node pool");
        JsonNode pool = r.ofKind("KafkaNodePool").get(0);
        assertEquals(cluster, pool.path("metadata").path("labels").path("strimzi.io/cluster").asText());
        assertEquals(Set.of("controller", "broker"), roles(pool),
                "KRaft: the node pool runs controllers and brokers");
        // monitor joins a session's events and its TURN events, both keyed by session id, in one instance: the
        // default partitioner puts a key on the same partition number only if the partition counts are equal.
        Map<String, Integer> partitions = new TreeMap<>();
        r.ofKind("KafkaTopic").forEach(t -> partitions.put(t.path("spec").path("topicName").asText(),
                t.path("spec").path("partitions").asInt()));
        assertEquals(partitions.get(Topics.SESSION_EVENTS), partitions.get(Topics.TURN_EVENTS),
                "session-events and turn-events must be co-partitioned");
        // turn-service's warm-up spreads its records over partitions as it will its real events
        assertEquals(partitions.get(Topics.TURN_EVENTS), partitions.get(Topics.TURN_WARM_UP),
                "turn-warm-up has as many partitions as turn-events");
        int brokers = pool.path("spec").path("replicas").asInt();
        for (JsonNode t : r.ofKind("KafkaTopic")) {
            int replicas = t.path("spec").path("replicas").asInt();
            int minIsr = t.path("spec").path("config").path("min.insync.replicas").asInt();
            assertTrue(replicas <= brokers && minIsr <= replicas,
                    t.path("spec").path("topicName").asText() + ": replicas " + replicas + ", min ISR " + minIsr
                            + " on " + brokers + " brokers");
        }
    }

    private static Set<String> roles(JsonNode pool) {
        Set<String> roles = new TreeSet<>();
        pool.path("spec").path("roles").forEach(r -> roles.add(r.asText()));
        return roles;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void servicesBootstrapFromTheStrimziListener(String overlay) {
        Rendered r = new Rendered(overlay);
        JsonNode kafka = r.ofKind("Kafka").get(0);
        int port = -1;
        for (JsonNode l : kafka.path("spec").path("kafka").path("listeners")) {
            if (l.path("type").asText().equals("internal") && !l.path("tls").asBoolean()) {
                port = l.path("port").asInt();
            }
        }
        String bootstrap = kafka.path("metadata").path("name").asText() + "-kafka-bootstrap:" + port;
        for (Services s : Services.all()) {
            var env = r.environment(Rendered.container(r.workload(s.module).orElseThrow(), s.module), new java.util.ArrayList<>());
            assertEquals(bootstrap, env.get("KAFKA_BOOTSTRAP_SERVERS").value(), s.module + " bootstrap in " + overlay);
        }
    }
}
