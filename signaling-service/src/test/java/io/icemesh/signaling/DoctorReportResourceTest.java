package io.icemesh.signaling;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.DoctorReport;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/doctor/reports}: a room token is required, a body that is not a report gets 400 with the reason,
 * a session past its budget gets 429, and an accepted report reaches {@code icemesh.doctor-reports} on the real
 * broker, keyed by its id, with the session id and nothing else of the caller.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class DoctorReportResourceTest {

    private static final String REPORT = "{\"source\":\"browser\",\"client\":\"HeadlessChrome\",\"urls\":["
            + "{\"url\":\"stun:127.0.0.1:40000\",\"status\":\"failed\",\"ms\":3000,\"text\":\"never answered within 3.0 s\"},"
            + "{\"url\":\"turn:127.0.0.1:3478?transport=udp\",\"status\":\"ok\",\"ms\":12.345,\"text\":\"relay candidate\"}]}";

    @Test
    void aReportWithoutATokenIsRefused() {
        given().contentType("application/json").body(REPORT).post("/api/doctor/reports").then().statusCode(401)
                .body("error", equalTo("unauthorized"));
    }

    @Test
    void aBodyThatIsNotAReportGets400WithTheReason() {
        String token = TestTokens.forRoom("doctor");
        Map<String, String> bad = Map.of(
                "{}", "\"urls\" must be a non-empty array",
                "{\"urls\":[{\"url\":\"http://x\",\"status\":\"ok\"}]}", "'http://x' is not a stun:, stuns:, turn: or turns: URL",
                "{\"urls\":[{\"url\":\"stun:x\",\"status\":\"great\"}]}", "status must be ok, slow or failed",
                "{\"urls\":[{\"url\":\"stun:x\",\"status\":\"ok\",\"ms\":-1}]}", "ms must be a number from 0",
                "{\"urls\":[{\"url\":\"turn:u:p@x\",\"status\":\"ok\"}]}", "is not a stun:, stuns:, turn: or turns: URL");
        bad.forEach((body, reason) -> given().header("Authorization", "Bearer " + token).contentType("application/json")
                .body(body).post("/api/doctor/reports").then().statusCode(400).body("error", equalTo("invalid"))
                .body("message", containsString(reason)));
    }

    @Test
    void anAcceptedReportReachesTheTopicAndASessionHasABudget() {
        String sessionId = UUID.randomUUID().toString();
        String token = TestTokens.TOKENS.mint("tester", "doctor", io.icemesh.signaling.auth.RoomMode.P2P, sessionId,
                Duration.ofMinutes(5));
        String id = given().header("Authorization", "Bearer " + token).contentType("application/json").body(REPORT)
                .post("/api/doctor/reports").then().statusCode(202).extract().path("reportId");
        // The default budget: 3 at once per session, then 6 an hour (one every 600 s).
        for (int i = 0; i < 2; i++) {
            given().header("Authorization", "Bearer " + token).contentType("application/json").body(REPORT)
                    .post("/api/doctor/reports").then().statusCode(202);
        }
        String retryAfter = given().header("Authorization", "Bearer " + token).contentType("application/json")
                .body(REPORT).post("/api/doctor/reports").then().statusCode(429).body("error", equalTo("rate-limited"))
                .extract().header("Retry-After");
        long seconds = Long.parseLong(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 600, "Retry-After " + retryAfter);
        ConsumerRecord<String, DoctorReport> record = SessionEvents.await(Topics.DOCTOR_REPORTS,
                new EventDeserializer.DoctorReports(), r -> r.value().reportId().equals(id));
        assertEquals(id, record.key());
        DoctorReport r = record.value();
        assertEquals(sessionId, r.sessionId());
        assertEquals("browser", r.source());
        assertEquals(List.of("failed", "ok"), r.urls().stream().map(DoctorReport.UrlVerdict::status).toList());
        assertEquals(12.3, r.urls().get(1).ms());
        assertEquals(DoctorReport.CLOUD_EVENT_TYPE, SessionEvents.header(record, "ce_type"));
    }
}
