package io.icemesh.signaling;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomToken;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class DevTokenResourceTest {

    @Test
    void mintsATokenThatSignalingAccepts() throws Exception {
        String token = given().contentType("application/json").body("{\"room\":\"dev-room\",\"user\":\"ann\",\"mode\":\"sfu\"}")
                .post("/api/dev/token").then().statusCode(200).extract().path("token");
        RoomToken claims = TestTokens.TOKENS.verify(token);
        assertEquals("dev-room", claims.room());
        assertEquals("ann", claims.subject());
        assertEquals(RoomMode.SFU, claims.mode());
    }

    @Test
    void answersBadRequestsWith400AndAReason() {
        given().contentType("application/json").body("{\"room\":\"has space\"}").post("/api/dev/token").then()
                .statusCode(400).body("message", containsString("room must be"));
        given().contentType("application/json").body("{\"room\":\"r\",\"user\":\"<script>\"}").post("/api/dev/token")
                .then().statusCode(400).body("message", containsString("user must be"));
        given().contentType("application/json").body("{\"room\":\"r\",\"mode\":\"mcu\"}").post("/api/dev/token").then()
                .statusCode(400).body("message", equalTo("mode must be p2p or sfu"));
        given().contentType("application/json").body("{not json").post("/api/dev/token").then().statusCode(400);
        given().contentType("application/json").post("/api/dev/token").then().statusCode(400);
    }
}
