package io.icemesh.monitor.dashboards;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.EventProducer;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.monitor.MetricsScrape;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (the Debian package's binary) scrapes this monitor-service every second and evaluates the
 * repository's alert rules: the series it stores match /q/metrics, and the unhealthy-server alert goes pending for
 * the silent configured server.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class PrometheusScrapeTest {

    private static final Duration WAIT = Duration.ofSeconds(45);

    @Test
    void prometheusScrapesMonitorAndEvaluatesTheAlertRules() throws Exception {
        Path prometheus = ExternalProcess.binary("prometheus", "prometheus");
        Path dir = Files.createTempDirectory("prometheus-test");
        Files.copy(DeployFiles.deploy().resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
        int webPort = freeTcpPort();
        Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "rule_files: [alerts.yml]",
                "scrape_configs:",
                "  - job_name: monitor",
                "    metrics_path: /q/metrics",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + RestAssured.port + "']",
                ""));
        String deadStun = ConfigProvider.getConfig().getValue(MonitorTestEnvironment.PROBE_SERVERS, String.class);
        String session = "prom-" + UUID.randomUUID();
        try (ExternalProcess p = ExternalProcess.start(dir.resolve("prometheus.log"), List.of(prometheus.toString(),
                "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + webPort)); EventProducer kafka = new EventProducer()) {
            String api = "http://127.0.0.1:" + webPort;
            // Refused until Prometheus listens (it opens its port a moment after it starts, later on a busy machine).
            await("monitor scraped and up").atMost(WAIT).ignoreException(ConnectException.class)
                    .untilAsserted(() -> assertEquals(List.of("1"),
                    values(api, "up{job=\"monitor\"}"), "targets: " + get(api + "/api/v1/targets")));

            kafka.send(Topics.SESSION_EVENTS, session, SessionEvent.builder(SessionEventType.ICE_STATE_CHANGED,
                    session, EventSource.CLIENT).state("connected").elapsedMs(42L).build());
            await().atMost(WAIT).until(() -> given().get("/api/sessions/" + session).statusCode() == 200);
            double connected = MetricsScrape.now().value("icemesh_monitor_sessions_total", "outcome", "connected");
            assertTrue(connected >= 1);
            await("the scraped counter equals /q/metrics").atMost(WAIT).untilAsserted(() -> assertEquals(
                    List.of(String.valueOf((long) connected)),
                    values(api, "icemesh_monitor_sessions_total{outcome=\"connected\"}")));
            await("the silent server's unhealthy alert is pending or firing").atMost(WAIT).untilAsserted(() ->
                    assertEquals(List.of("1"), values(api,
                            "ALERTS{alertname=\"IcemeshIceServerUnhealthy\",server=\"" + deadStun + "\"}")));
            assertEquals(List.of("0"), values(api, "icemesh_monitor_server_healthy{server=\"" + deadStun + "\"}"));
        }
    }

    /** The values of an instant query's vector result, as Prometheus formats them. */
    private static List<String> values(String api, String query) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api
                + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        return parse(response);
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> parse(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        JsonPath json = JsonPath.from(response.body());
        assertEquals("success", json.getString("status"), response.body());
        return json.getList("data.result.collect { it.value[1] }", String.class);
    }

    private static int freeTcpPort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
