package io.icemesh.monitor.api;

import static io.restassured.RestAssured.get;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class MonitorPageTest {

    @Test
    void servesThePageThatReadsTheSessionAndServerApis() {
        get("/").then().statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("<title>icemesh monitor</title>"))
                .body(containsString("fetch(\"api/sessions?limit=200\")"))
                .body(containsString("fetch(\"api/servers\")"));
    }

    @Test
    void listsTheConfiguredServerWithItsProbeState() {
        String configured = ConfigProvider.getConfig().getValue(MonitorTestEnvironment.PROBE_SERVERS, String.class);
        get("/api/servers").then().statusCode(200).body("url", hasItem(configured));
    }
}
