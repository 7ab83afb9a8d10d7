package io.icemesh.turn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.turn.server.TurnServer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two aiortc peers (Debian's python3-aiortc) make a relay-only call through turn-service. */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class AiortcRelayTest {

    private static final String PYTHON = "/usr/bin/python3";

    @Inject
    TurnServer server;

    @Test
    void relayOnlyCallConnectsThroughTurnAndCarriesMediaAndData() throws Exception {
        ExternalProcess.binary(PYTHON, "python3 python3-aiortc");
        Path script = Files.createTempFile("aiortc_relay_call", ".py");
        try (InputStream in = getClass().getResourceAsStream("/interop/aiortc_relay_call.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        RelayCredentials credentials = RelayCredentials.forSession("aiortc-session");
        String url = "turn:127.0.0.1:" + server.udpPort() + "?transport=udp";
        try (ExternalProcess python = ExternalProcess.start(List.of(PYTHON, script.toString(), url,
                credentials.username(), credentials.password()))) {
            int exit = python.waitFor(90, TimeUnit.SECONDS);
            String output = python.output();
            assertEquals(0, exit, "aiortc script failed (is python3-aiortc installed?):\n" + output);
            String json = output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
            JsonNode result = new ObjectMapper().readTree(json);
            assertEquals("hello through turn", result.path("message").asText(), output);
            assertTrue(result.path("frames").asInt() >= 5, "video frames received: " + output);
            assertEquals("[\"relay\"]", result.path("offerCandidateTypes").toString(), "only relay candidates offered");
            for (String pc : new String[] {"pc1", "pc2"}) {
                JsonNode pairs = result.path(pc);
                assertFalse(pairs.isEmpty(), "no nominated pair for " + pc + ": " + output);
                pairs.forEach(pair -> {
                    assertEquals("relay", pair.path("local").asText(), pc + ": " + output);
                    assertEquals("relay", pair.path("remote").asText(), pc + ": " + output);
                });
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
