package io.icemesh.signaling;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.icemesh.broker.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** {@code /doctor} leads to the doctor page with its query, and the page and its script are served. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class DoctorPageTest {

    @Test
    void doctorRedirectsToThePageKeepingTheQuery() {
        given().redirects().follow(false).when().get("/doctor?run=1&deadline=2000").then().statusCode(303)
                .header("Location", containsString("/doctor.html?run=1&deadline=2000"));
        given().when().get("/doctor.html").then().statusCode(200)
                .body(containsString("<script type=\"module\" src=\"doctor.js\">"));
        given().when().get("/doctor.js").then().statusCode(200).body(containsString("export async function probe"));
    }
}
