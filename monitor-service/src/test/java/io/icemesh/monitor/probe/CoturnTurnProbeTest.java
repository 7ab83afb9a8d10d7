package io.icemesh.monitor.probe;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.ServerHealth;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.testkit.FreePorts;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Authenticated TURN probes against a real TURN server we did not write: coturn with TURN REST credentials
 * ({@code use-auth-secret}). With the same shared secret the probe allocates (then refreshes to zero) and the server
 * is healthy; a coturn with another secret answers 401 and is unhealthy at once, although it answers Bindings.
 */
@QuarkusTest
@TestProfile(CoturnTurnProbeTest.WithSecret.class)
@WithTestResource(MonitorTestEnvironment.class)
class CoturnTurnProbeTest {

    static final String SECRET = "probe-test-secret";
    /** Free for UDP and TCP (coturn listens on both) and outside the ephemeral range: see {@link FreePorts}. */
    static final int[] PORTS = FreePorts.tcpAndUdp(2);
    static final int GOOD_PORT = PORTS[0];
    static final int WRONG_PORT = PORTS[1];
    static final String GOOD = "turn:127.0.0.1:" + GOOD_PORT + "?transport=udp";
    static final String WRONG = "turn:127.0.0.1:" + WRONG_PORT + "?transport=udp";

    /** Probes both coturns, every round an Allocate, with the shared secret. */
    public static class WithSecret implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("icemesh.monitor.probe.servers", GOOD + "," + WRONG,
                    "icemesh.monitor.probe.turn-secret", SECRET,
                    "icemesh.monitor.probe.turn-allocate-every", "1");
        }
    }

    @Test
    void aTurnServerWithTheSharedSecretAllocatesAndOneWithAnotherIsUnhealthy() throws Exception {
        Path dir = Files.createTempDirectory("coturn-turn-probe");
        try (ExternalProcess good = coturn(dir, GOOD_PORT, SECRET);
             ExternalProcess wrong = coturn(dir, WRONG_PORT, "some-other-secret");
             HealthEvents health = new HealthEvents()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ServerHealth h = health.latest(GOOD);
                assertTrue(h != null && h.healthy(), "coturn with our secret is healthy: " + h + "\n" + good.output());
                assertTrue(h.detail().startsWith("allocates with TURN REST credentials"), h.detail());
                assertFalse(h.detail().contains("Refresh to 0"), "the probe's allocation was released: " + h.detail());
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ServerHealth h = health.latest(WRONG);
                assertTrue(h != null && !h.healthy(), "coturn with another secret is unhealthy: " + h);
                assertTrue(h.detail().contains("TURN answered 401"), h.detail() + "\n" + wrong.output());
            });
        }
    }

    private static ExternalProcess coturn(Path dir, int port, String secret) throws Exception {
        Path turnserver = ExternalProcess.binary("turnserver", "coturn");
        return ExternalProcess.start(dir.resolve("turnserver-" + port + ".log"), List.of(turnserver.toString(),
                "--listening-ip=127.0.0.1", "--listening-port=" + port, "--relay-ip=127.0.0.1",
                "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=probe.test", "--no-tls",
                "--no-dtls", "--no-cli", "--no-software-attribute", "--log-file=stdout", "--simple-log",
                "--min-port=41000", "--max-port=41999", "--pidfile=" + dir.resolve("turnserver-" + port + ".pid"),
                "--userdb=" + dir.resolve("turndb-" + port + ".sqlite")));
    }
}
