package io.icemesh.monitor.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.monitor.MetricsScrape;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every metric a Grafana panel or an alert rule queries exists: exported by monitor-service on /q/metrics, or
 * listed in deploy/grafana/metrics-from-other-services.txt (names other services export).
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class DashboardMetricsTest {

    /** icemesh metric names inside a PromQL expression. */
    private static final Pattern METRIC = Pattern.compile("\\bicemesh_[a-zA-Z0-9_:]+");

    @Test
    void everyDashboardAndAlertQueryNamesAnExportedMetric() throws IOException {
        Path deploy = DeployFiles.deploy();
        List<String> exprs = new ArrayList<>();
        int panels = 0;
        try (Stream<Path> files = Files.list(deploy.resolve("grafana"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = new ObjectMapper().readTree(f.toFile());
                for (JsonNode panel : dashboard.path("panels")) {
                    panels++;
                    assertTrue(panel.path("targets").size() > 0, f.getFileName() + ": panel "
                            + panel.path("title").asText() + " has no query");
                    panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
                }
            }
        }
        assertTrue(panels >= 10, "the dashboards have their panels: " + panels);
        List<String> ruleExprs = ruleExpressions(Files.readAllLines(deploy.resolve("prometheus/alerts.yml")));
        assertEquals(5, ruleExprs.size(), "every alert rule's expr is read: " + ruleExprs);
        exprs.addAll(ruleExprs);

        Set<String> queried = new TreeSet<>();
        for (String expr : exprs) {
            Matcher name = METRIC.matcher(expr);
            boolean any = false;
            while (name.find()) {
                queried.add(name.group());
                any = true;
            }
            assertTrue(any, "a query that names no icemesh metric: " + expr);
        }
        Set<String> exported = MetricsScrape.now().names();
        Set<String> others = otherServices(deploy.resolve("grafana/metrics-from-other-services.txt"));
        Set<String> unknown = new TreeSet<>(queried);
        unknown.removeAll(exported);
        unknown.removeAll(others);
        assertEquals(Set.of(), unknown, "queried metrics that nobody exports (monitor exports "
                + exported.stream().filter(n -> n.startsWith("icemesh_")).toList() + ")");
        assertTrue(queried.contains("icemesh_monitor_time_to_connected_seconds_bucket"), queried.toString());
        assertTrue(queried.contains("icemesh_monitor_server_healthy"), queried.toString());
    }

    /** The {@code expr:} values of a rules file, one-line or block scalars ({@code expr: |} and indented lines). */
    private static List<String> ruleExpressions(List<String> lines) {
        List<String> exprs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int at = line.indexOf("expr:");
            if (at < 0 || !line.substring(0, at).isBlank()) {
                continue;
            }
            String value = line.substring(at + "expr:".length()).strip();
            if (!value.startsWith("|")) {
                exprs.add(value);
                continue;
            }
            StringBuilder block = new StringBuilder();
            while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || indent(lines.get(i + 1)) > at)) {
                block.append(lines.get(++i).strip()).append('\n');
            }
            exprs.add(block.toString());
        }
        return exprs;
    }

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }

    private static Set<String> otherServices(Path allowList) throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(allowList)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                assertTrue(s.matches("icemesh_[a-z0-9_]+") && !s.startsWith("icemesh_monitor_"),
                        "allow-list lines are other services' icemesh_ metric names: " + s);
                names.add(s);
            }
        }
        return names;
    }
}
