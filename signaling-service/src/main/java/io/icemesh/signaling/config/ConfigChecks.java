package io.icemesh.signaling.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses, at start, protocol limits under which the service would start but serve nobody: a message rate or size
 * of zero or less refuses every client message with {@code too-many} or {@code too-large}, with nothing in the log
 * to say why. (The room log checks its own limits: {@code RoomLog.checkSnapshotBound}.)
 */
@ApplicationScoped
public class ConfigChecks {

    private final SignalingConfig config;

    ConfigChecks(SignalingConfig config) {
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        check(config.protocol().maxMessagesPerSecond(), config.protocol().maxMessageBytes());
    }

    /** Throws, naming the setting, when a limit would refuse every message. */
    public static void check(int maxMessagesPerSecond, int maxMessageBytes) {
        atLeastOne("icemesh.signaling.protocol.max-messages-per-second", maxMessagesPerSecond,
                "every message would be refused with too-many");
        atLeastOne("icemesh.signaling.protocol.max-message-bytes", maxMessageBytes,
                "every message would be refused with too-large");
    }

    private static void atLeastOne(String key, int value, String why) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, not " + value + ": " + why);
        }
    }
}
