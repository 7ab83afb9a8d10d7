package io.icemesh.monitor.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.testkit.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The alert rules are valid for Prometheus and fire when they should (promtool's own rule unit tests). */
class AlertRulesTest {

    private static final long PROMTOOL_SECONDS = 60;

    @Test
    void promtoolChecksTheAlertRules() throws Exception {
        Path promtool = ExternalProcess.binary("promtool", "prometheus");
        Path log = Files.createTempFile("promtool-check", ".log");
        int exit = ExternalProcess.run(log, List.of(promtool.toString(), "check", "rules",
                DeployFiles.deploy().resolve("prometheus/alerts.yml").toString()), PROMTOOL_SECONDS);
        assertEquals(0, exit, "promtool check rules: " + Files.readString(log));
    }

    @Test
    void promtoolRuleUnitTestsPass() throws Exception {
        Path promtool = ExternalProcess.binary("promtool", "prometheus");
        Path log = Files.createTempFile("promtool-test", ".log");
        int exit = ExternalProcess.run(log, List.of(promtool.toString(), "test", "rules",
                DeployFiles.deploy().resolve("prometheus/alerts-test.yml").toString()), PROMTOOL_SECONDS);
        assertEquals(0, exit, "promtool test rules: " + Files.readString(log));
    }
}
