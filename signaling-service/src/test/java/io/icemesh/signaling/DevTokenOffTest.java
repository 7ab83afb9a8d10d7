package io.icemesh.signaling;

import static io.restassured.RestAssured.given;

import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the endpoint switched off, as in production, nobody can mint tokens. */
@QuarkusTest
@TestProfile(DevTokenOffTest.Off.class)
@WithTestResource(KafkaBrokerResource.class)
class DevTokenOffTest {

    /** The production setting of the dev token endpoint. */
    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.signaling.auth.dev-token-endpoint", "false");
        }
    }

    @Test
    void theDevTokenEndpointAnswers404() {
        given().contentType("application/json").body("{\"room\":\"r\"}").post("/api/dev/token").then().statusCode(404);
    }
}
