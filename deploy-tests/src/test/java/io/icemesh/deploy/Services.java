package io.icemesh.deploy;

import java.util.List;

/** The icemesh services: where their config lives and what their workload and container are called. */
enum Services {
    SIGNALING("signaling-service", "io.icemesh.signaling.config.SignalingConfig",
            "signaling-service/src/main/java/io/icemesh/signaling/config/SignalingConfig.java"),
    TURN("turn-service", "io.icemesh.turn.config.TurnConfig",
            "turn-service/src/main/java/io/icemesh/turn/config/TurnConfig.java"),
    MONITOR("monitor-service", "io.icemesh.monitor.MonitorConfig",
            "monitor-service/src/main/java/io/icemesh/monitor/MonitorConfig.java"),
    MEDIA("media-service", "io.icemesh.media.config.MediaConfig",
            "media-service/src/main/java/io/icemesh/media/config/MediaConfig.java");

    /** Module directory, workload name, container name and compose service name alike. */
    final String module;
    final String configClass;
    final String configSource;

    Services(String module, String configClass, String configSource) {
        this.module = module;
        this.configClass = configClass;
        this.configSource = configSource;
    }

    static List<Services> all() {
        return List.of(values());
    }

    String applicationProperties() {
        return module + "/src/main/resources/application.properties";
    }
}
