package io.icemesh.monitor.doctor;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.events.v1.DoctorReport;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.EventProducer;
import io.icemesh.monitor.MetricsScrape;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Shared ICE doctor reports on the real broker reach monitor's list ({@code /api/doctor-reports}, newest first) and
 * its verdict counters; a record read twice is listed once, an unreadable one is counted and dropped.
 */
@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class DoctorReportsTest {

    @Test
    void reportsAreListedNewestFirstAndTheirVerdictsCounted() {
        double failedStun = MetricsScrape.now().value("icemesh_monitor_doctor_verdicts_total", "status", "failed",
                "scheme", "stun", "transport", "udp");
        double okTls = MetricsScrape.now().value("icemesh_monitor_doctor_verdicts_total", "status", "ok",
                "scheme", "turn", "transport", "tls");
        double malformed = MetricsScrape.now().value("icemesh_monitor_events_malformed_total", "topic",
                "doctor-reports");
        String older = UUID.randomUUID().toString();
        String newer = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        try (EventProducer producer = new EventProducer()) {
            DoctorReport first = new DoctorReport(EventSchema.VERSION, older, now, "browser", "s-1", "HeadlessChrome",
                    List.of(new DoctorReport.UrlVerdict("stun:127.0.0.1:40000", "failed", 3000.0, "never answered"),
                            new DoctorReport.UrlVerdict("turns:127.0.0.1:5349?transport=tcp", "ok", 40.0, "relay")));
            producer.send(Topics.DOCTOR_REPORTS, older, first);
            producer.send(Topics.DOCTOR_REPORTS, older, first);
            producer.send(Topics.DOCTOR_REPORTS, "garbage", "not a report");
            producer.send(Topics.DOCTOR_REPORTS, newer, new DoctorReport(EventSchema.VERSION, newer, now + 1, "cli",
                    null, null, List.of(new DoctorReport.UrlVerdict("stun:127.0.0.1:3478", "ok", 1.0, "answered"))));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/doctor-reports?limit=2").then()
                .statusCode(200).body("size()", equalTo(2)).body("[0].reportId", equalTo(newer))
                .body("[1].reportId", equalTo(older)).body("[1].urls[0].status", equalTo("failed")));
        MetricsScrape m = MetricsScrape.now();
        assertEquals(failedStun + 1, m.value("icemesh_monitor_doctor_verdicts_total", "status", "failed", "scheme",
                "stun", "transport", "udp"), "the report read twice counts once");
        assertEquals(okTls + 1, m.value("icemesh_monitor_doctor_verdicts_total", "status", "ok", "scheme", "turn",
                "transport", "tls"));
        assertEquals(malformed + 1, m.value("icemesh_monitor_events_malformed_total", "topic", "doctor-reports"));
    }
}
