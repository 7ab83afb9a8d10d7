package io.icemesh.signaling;

import static io.restassured.RestAssured.get;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.signaling.auth.RoomMode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The budgets of {@code GET /api/ice-servers}, small here: 3 requests per session and 8 per address (every request
 * of this test comes from 127.0.0.1), each regaining one a minute, far longer than the test runs.
 */
@QuarkusTest
@TestProfile(IceServersRateLimitTest.SmallBudgets.class)
@WithTestResource(KafkaBrokerResource.class)
class IceServersRateLimitTest {

    /** Budgets small enough to exhaust in a few requests. */
    public static class SmallBudgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.signaling.ice.rate-limit.session-burst", "3",
                    "icemesh.signaling.ice.rate-limit.session-per-minute", "1",
                    "icemesh.signaling.ice.rate-limit.source-burst", "8",
                    "icemesh.signaling.ice.rate-limit.source-per-minute", "1");
        }
    }

    private static final String REFUSED = "icemesh_signaling_ice_servers_rate_limited_total";

    @Test
    void refusesASessionPastItsBurstThenTheAddressPastItsOwnWith429AndRetryAfter() {
        double sessionBefore = counter("session");
        double sourceBefore = counter("source");

        String first = TestTokens.forRoom("limited");
        for (int i = 0; i < 3; i++) {
            served(first, "request " + (i + 1) + " of the first session's burst of 3");
        }
        assertRefused(first, "this session");
        assertEquals(sessionBefore + 1, counter("session"), "the session refusal is counted");
        assertEquals(sourceBefore, counter("source"));

        // A token without a session id gets a new session id per answer, but one budget: its own.
        String noSid = TestTokens.TOKENS.mint("tester", "limited", RoomMode.P2P, null, Duration.ofMinutes(5));
        for (int i = 0; i < 3; i++) {
            served(noSid, "request " + (i + 1) + " of the sid-less token's burst, from the same address");
        }
        assertRefused(noSid, "this session");
        assertEquals(sessionBefore + 2, counter("session"));

        // 6 of the address's 8 are spent (refused requests spent none); a third session gets the last 2.
        String third = TestTokens.forRoom("limited");
        served(third, "the address's 7th request");
        served(third, "the address's 8th request");
        assertRefused(third, "this address");
        assertEquals(sourceBefore + 1, counter("source"), "the address refusal is counted");
        assertEquals(sessionBefore + 2, counter("session"), "and not as a session refusal");
    }

    private static void served(String token, String what) {
        Response r = call(token);
        assertEquals(200, r.statusCode(), what + " is served, got " + r.asString());
        assertTrue(r.asString().contains("\"credential\""), what + " carries TURN credentials");
    }

    private static void assertRefused(String token, String who) {
        Response r = call(token);
        assertEquals(429, r.statusCode(), "past the budget of " + who + ": 429, got " + r.asString());
        String retryAfter = r.header("Retry-After");
        assertTrue(retryAfter != null && retryAfter.matches("\\d+"), "Retry-After in seconds, was " + retryAfter);
        long seconds = Long.parseLong(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 60, "one token a minute comes within 60 s, Retry-After " + seconds);
        assertEquals("rate-limited", r.jsonPath().getString("error"));
        assertTrue(r.jsonPath().getString("message").contains(who), r.jsonPath().getString("message"));
        assertFalse(r.asString().contains("credential"), "a refusal carries no credentials: " + r.asString());
    }

    private static Response call(String token) {
        return given().header("Authorization", "Bearer " + token).get("/api/ice-servers");
    }

    private static double counter(String limit) {
        String body = get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + REFUSED + "\\{limit=\"" + limit + "\"\\} ([0-9.eE+-]+)$").matcher(body);
        assertTrue(m.find(), REFUSED + "{limit=" + limit + "} is exported");
        return Double.parseDouble(m.group(1));
    }
}
