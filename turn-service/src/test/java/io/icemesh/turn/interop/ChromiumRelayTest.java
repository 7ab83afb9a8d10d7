package io.icemesh.turn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.testkit.Browser;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.turn.server.TurnServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.remote.RemoteWebDriver;

/**
 * Chromium (headless, fake camera) makes a relay-only call between two RTCPeerConnections in one page, with
 * turn-service as the only ICE server; the page comes from a loopback HTTP server in this test.
 */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class ChromiumRelayTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @Inject
    TurnServer server;
    @Inject
    MeterRegistry registry;

    @Test
    void relayOnlyCallConnectsThroughTurnAndCarriesMediaAndData() throws Exception {
        ExternalProcess.binary(CHROMIUM, "chromium");
        ExternalProcess.binary(CHROMEDRIVER, "chromium-driver");
        double relayedBefore = registry.find("icemesh.turn.relay.packets").tag("direction", "to_peer")
                .functionCounter().count();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/relay-call.html", exchange -> {
            try (InputStream page = getClass().getResourceAsStream("/interop/relay-call.html")) {
                byte[] body = page.readAllBytes();
                exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        http.start();
        try (Browser browser = new Browser()) {
            RemoteWebDriver driver = browser.driver;
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
            driver.get("http://127.0.0.1:" + http.getAddress().getPort() + "/relay-call.html");
            RelayCredentials credentials = RelayCredentials.forSession("chromium-session");
            String url = "turn:127.0.0.1:" + server.udpPort() + "?transport=udp";
            Object raw = ((JavascriptExecutor) driver).executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                            + "runCall(arguments[0], arguments[1], arguments[2])"
                            + ".then(r => done(JSON.stringify(r)), e => done(JSON.stringify({error: String(e)})));",
                    url, credentials.username(), credentials.password());
            JsonNode result = new ObjectMapper().readTree(String.valueOf(raw));
            assertNull(result.get("error"), "call failed: " + result);
            for (String pc : new String[] {"pc1", "pc2"}) {
                JsonNode pair = result.get(pc);
                assertNotNull(pair, "no selected pair for " + pc + ": " + result);
                assertEquals("relay", pair.get("local").asText(), pc + " local candidate: " + result);
                assertEquals("relay", pair.get("remote").asText(), pc + " remote candidate: " + result);
                assertEquals("udp", pair.get("relayProtocol").asText(), result.toString());
                assertTrue(pair.get("bytesReceived").asLong() > 0, pc + " received nothing: " + result);
            }
            assertEquals("hello through turn", result.get("message").asText(), "data channel message: " + result);
            assertTrue(result.get("framesDecoded").asInt() > 0, "no video frame decoded: " + result);
            result.get("gathered").forEach(side -> side.forEach(type ->
                    assertEquals("relay", type.asText(), "only relay candidates are gathered: " + result)));
            double relayed = registry.find("icemesh.turn.relay.packets").tag("direction", "to_peer")
                    .functionCounter().count() - relayedBefore;
            assertTrue(relayed > 10, "turn-service relayed the call's packets: " + relayed);
        } finally {
            http.stop(0);
        }
    }
}
