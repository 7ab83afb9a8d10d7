package io.icemesh.monitor.dashboards;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's deploy/ files are, seen from the monitor-service module the tests run in. */
final class DeployFiles {

    private DeployFiles() {
    }

    static Path deploy() {
        Path deploy = Path.of("").toAbsolutePath().getParent().resolve("deploy");
        assertTrue(Files.isDirectory(deploy.resolve("grafana")) && Files.isDirectory(deploy.resolve("prometheus")),
                "deploy/grafana and deploy/prometheus next to monitor-service: " + deploy);
        return deploy;
    }
}
