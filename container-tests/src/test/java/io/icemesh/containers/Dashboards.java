package io.icemesh.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * The Grafana dashboards of deploy/grafana, read as Grafana would: each panel's PromQL targets, with Grafana's
 * interval variables given fixed values, so that they can be asked of a live Prometheus (Grafana itself is not
 * packaged in Debian).
 */
final class Dashboards {

    /** A panel of a dashboard and the queries of its targets. */
    record Panel(String dashboard, String title, List<String> queries) {
    }

    final List<Panel> panels = new ArrayList<>();

    Dashboards(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = json.readTree(f.toFile());
                List<JsonNode> all = new ArrayList<>();
                for (JsonNode panel : dashboard.path("panels")) {
                    all.add(panel);
                    panel.path("panels").forEach(all::add); // the panels of a collapsed row
                }
                for (JsonNode panel : all) {
                    List<String> queries = new ArrayList<>();
                    panel.path("targets").forEach(t -> queries.add(grafanaVariables(t.path("expr").asText())));
                    if (!queries.isEmpty()) {
                        panels.add(new Panel(f.getFileName().toString(), panel.path("title").asText(), queries));
                    }
                }
            }
        }
        if (panels.isEmpty()) {
            throw new AssertionError("no panels with queries under " + dir);
        }
    }

    /** $__rate_interval as Grafana makes it for a 15 s scrape (4 intervals), $__range as a 15-minute view. */
    static String grafanaVariables(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__range", "15m").replace("$__interval", "15s");
    }

    /** "dashboard: title" of every panel none of whose queries returns a series. */
    List<String> panelsWithoutData(ToIntFunction<String> seriesOf) {
        List<String> empty = new ArrayList<>();
        for (Panel p : panels) {
            if (p.queries().stream().allMatch(q -> seriesOf.applyAsInt(q) == 0)) {
                empty.add(p.dashboard() + ": " + p.title() + " " + p.queries());
            }
        }
        return empty;
    }
}
