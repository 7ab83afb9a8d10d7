package io.icemesh.broker;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real Kafka broker. One broker serves the whole test JVM (started on first use,
 * stopped at JVM exit) so that test classes do not pay its start-up each.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static KafkaBroker shared;

    /** The broker of this test JVM, started if needed. */
    public static synchronized KafkaBroker broker() {
        if (shared == null) {
            shared = KafkaBroker.ephemeral().start();
            KafkaBroker b = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "kafka-broker-stop"));
        }
        return shared;
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", broker().bootstrapServers());
    }

    @Override
    public void stop() {
        // shared across test classes; stopped by the shutdown hook
    }
}
