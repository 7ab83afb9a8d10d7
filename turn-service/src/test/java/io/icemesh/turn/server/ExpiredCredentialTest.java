package io.icemesh.turn.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.turn.interop.LoopbackPeersProfile;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A call outlives the TURN REST credential it started with: the allocation's own 5-tuple keeps refreshing it, its
 * permissions and its channels with that credential after the credential's expiry, as browsers do (Chromium keeps
 * the credentials its TURN port was made with); a new allocation, or another 5-tuple, still needs a valid one.
 * Loopback peers are allowed by the profile; only the server's answers are checked, nothing is relayed.
 */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class ExpiredCredentialTest {

    @Inject
    TurnServer server;

    @Inject
    MeterRegistry registry;

    @Test
    void anAllocationOutlivesItsCredentialButNothingNewIsGrantedWithIt() throws Exception {
        long expiry = System.currentTimeMillis() / 1000 + 2;
        String user = expiry + ":session-long-call";
        String password = TurnRestCredential.password("test-only-secret", user);
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        double keptBefore = registry.find("icemesh.turn.auth.expired.kept").counter().count();
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), user, password)) {
            assertEquals(-1, code(c.allocate()), "allocated while the credential is valid");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> System.currentTimeMillis() / 1000 > expiry);
            assertEquals(-1, code(c.refresh(600)), "Refresh with the allocation's own, now expired, credential");
            assertEquals(-1, code(c.createPermission(peer)), "CreatePermission likewise");
            assertEquals(-1, code(c.channelBind(0x4000, peer)), "ChannelBind likewise");
            assertEquals(keptBefore + 3, registry.find("icemesh.turn.auth.expired.kept").counter().count(),
                    "each is counted");
            try (TurnTestClient other = new TurnTestClient(server.udpPort(), user, password)) {
                assertEquals(401, code(other.allocate()), "a new allocation needs a valid credential");
                assertEquals(401, code(other.refresh(600)), "a 5-tuple without an allocation keeps nothing alive");
            }
            assertEquals(-1, code(c.refresh(0)), "and the allocation is deleted with it");
        }
    }

    private static int code(StunMessage m) {
        assertNotNull(m, "no answer from the server");
        return ErrorCodeAttribute.codeOf(m);
    }
}
