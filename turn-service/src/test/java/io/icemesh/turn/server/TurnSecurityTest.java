package io.icemesh.turn.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.MessageIntegrity;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The default (safe) configuration against our own test client: auth, ACL, quotas and error codes. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class TurnSecurityTest {

    @Inject
    TurnServer server;
    @Inject
    MeterRegistry registry;

    private TurnTestClient alice() throws Exception {
        return new TurnTestClient(server.udpPort(), "alice", "alice-password");
    }

    private static int code(StunMessage m) {
        assertNotNull(m, "no answer from the server");
        return ErrorCodeAttribute.codeOf(m);
    }

    @Test
    void unauthenticatedAllocateGets401WithRealmAndNonce() throws Exception {
        try (TurnTestClient c = alice()) {
            StunMessage answer = c.challenge();
            assertEquals(401, code(answer));
            assertEquals("icemesh", answer.stringValue(StunAttributeType.REALM));
            assertTrue(answer.stringValue(StunAttributeType.NONCE).startsWith("obMatJos2"));
            assertTrue(answer.has(StunAttributeType.PASSWORD_ALGORITHMS));
            // coturn 4.6.1 answers this 36-byte request (28 bytes + FINGERPRINT) with 104 bytes (96 + FINGERPRINT); we
            // answer 92: no reason phrase, nothing the RFC does not ask for
            assertEquals(92, answer.bytes().length, "a 401 as small as RFC 8489 allows");
            assertEquals(4, answer.valueLength(answer.indexOf(StunAttributeType.ERROR_CODE)),
                    "no reason phrase in an unauthenticated answer");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::ffff:127.0.0.1", "::ffff:0:127.0.0.1", "::ffff:0:10.0.0.1", "0.0.0.0",
            "10.0.0.1", "169.254.169.254", "fe80::1"})
    void refusesPermissionToInternalPeersWith403(String peer) throws Exception {
        try (TurnTestClient c = alice()) {
            StunMessage allocated = c.allocate();
            assertEquals(StunMessageType.successOf(TurnTestClient.requestType(StunMessageType.METHOD_ALLOCATE)),
                    allocated.type(), "allocate failed with " + ErrorCodeAttribute.codeOf(allocated));
            InetSocketAddress target = new InetSocketAddress(java.net.InetAddress.getByName(peer), 9);
            assertEquals(403, code(c.createPermission(target)), "CreatePermission to " + peer);
            assertEquals(403, code(c.channelBind(0x4000, target)), "ChannelBind to " + peer);
            c.refresh(0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.0.0.1", "169.254.169.254", "::ffff:0:10.0.0.1"})
    void refusesTcpConnectToInternalPeersWith403(String peer) throws Exception {
        // the server's answer only: a refused Connect opens no connection anywhere
        try (TurnTestClient c = TurnTestClient.tcp(server.tcpPort(), "alice", "alice-password",
                java.net.InetAddress.getLoopbackAddress())) {
            c.challenge();
            assertEquals(-1, code(c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 6L << 24))), "a TCP allocation");
            InetSocketAddress target = new InetSocketAddress(java.net.InetAddress.getByName(peer), 80);
            assertEquals(403, code(c.signedTransact(StunMessageType.METHOD_CONNECT,
                    b -> b.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, target))), "Connect to " + peer);
        }
    }

    @Test
    void bindingReturnsTheClientsAddress() throws Exception {
        try (TurnTestClient c = alice()) {
            StunMessage answer = c.transact(StunMessageBuilder.of(StunMessageType.BINDING_REQUEST,
                    TurnTestClient.newTransactionId()).addFingerprint().build());
            assertNotNull(answer);
            assertEquals(StunMessageType.BINDING_SUCCESS, answer.type());
            assertEquals(c.socket.getLocalSocketAddress(), XorAddress.decode(answer, StunAttributeType.XOR_MAPPED_ADDRESS));
            assertTrue(answer.hasFingerprint());
        }
    }

    @Test
    void secondAllocateOnSameFiveTupleGets437AndRefreshWithoutAllocationToo() throws Exception {
        try (TurnTestClient c = alice()) {
            c.challenge();
            assertEquals(437, code(c.refresh(600)), "Refresh before any allocation");
            assertEquals(-1, code(c.allocate()));
            StunMessage again = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24));
            assertEquals(437, code(again));
            c.refresh(0);
        }
    }

    @Test
    void forgedNonceGets438WithAFreshNonceThatWorks() throws Exception {
        try (TurnTestClient c = alice()) {
            c.challenge();
            String good = c.nonce;
            c.nonce = good.substring(0, good.length() - 4) + "0000";
            StunMessage stale = c.transact(c.signed(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)));
            assertEquals(438, code(stale));
            c.nonce = stale.stringValue(StunAttributeType.NONCE);
            assertNotNull(c.nonce, "438 carries a new nonce");
            assertEquals(-1, code(c.transact(c.signed(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)))));
            c.refresh(0);
        }
    }

    @Test
    void wrongPasswordGets401() throws Exception {
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), "alice", "wrong")) {
            assertEquals(401, code(c.allocate()));
        }
    }

    @Test
    void perUserQuotaGives486() throws Exception {
        List<TurnTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                TurnTestClient c = new TurnTestClient(server.udpPort(), "quota", "quota-password");
                clients.add(c);
                assertEquals(-1, code(c.allocate()), "allocation " + i + " is within the quota of 10");
            }
            TurnTestClient over = new TurnTestClient(server.udpPort(), "quota", "quota-password");
            clients.add(over);
            StunMessage refused = over.allocate();
            assertEquals(486, code(refused));
            assertTrue(MessageIntegrity.verifySha1(refused, PasswordAlgorithm.MD5.key("quota", "icemesh", "quota-password")),
                    "an error to an authenticated request is signed");
        } finally {
            for (TurnTestClient c : clients) {
                c.refresh(0);
                c.close();
            }
        }
    }

    @Test
    void restCredentialsWorkUnderCurrentAndPreviousSecretAndExpiredOnesAreRefused() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String user = (now + 600) + ":session-42";
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), user, TurnRestCredential.password("test-only-secret", user))) {
            assertEquals(-1, code(c.allocate()));
            c.refresh(0);
        }
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), user, TurnRestCredential.password("test-previous-secret", user))) {
            assertEquals(-1, code(c.allocate()), "the previous secret is still accepted");
            c.refresh(0);
        }
        String expired = (now - 5) + ":session-42";
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), expired, TurnRestCredential.password("test-only-secret", expired))) {
            assertEquals(401, code(c.allocate()), "expired credential");
        }
        assertTrue(registry.find("icemesh.turn.auth.failures").tag("reason", "expired_credential").counter().count() >= 1);
    }

    @Test
    void freshCredentialsForOneSessionShareItsQuota() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        List<TurnTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                // as if /api/ice-servers had been called again and again: each call a new expiry, one session
                String user = (now + 600 + i) + ":session-quota";
                TurnTestClient c = new TurnTestClient(server.udpPort(), user,
                        TurnRestCredential.password("test-only-secret", user));
                clients.add(c);
                assertEquals(-1, code(c.allocate()), "allocation " + i + " is within the session's quota of 10");
            }
            String another = (now + 700) + ":session-quota";
            TurnTestClient over = new TurnTestClient(server.udpPort(), another,
                    TurnRestCredential.password("test-only-secret", another));
            clients.add(over);
            assertEquals(486, code(over.allocate()), "an eleventh credential of the same session is over its quota");
            String otherSession = (now + 700) + ":session-other";
            TurnTestClient other = new TurnTestClient(server.udpPort(), otherSession,
                    TurnRestCredential.password("test-only-secret", otherSession));
            clients.add(other);
            assertEquals(-1, code(other.allocate()), "another session is not affected");
        } finally {
            for (TurnTestClient c : clients) {
                c.refresh(0);
                c.close();
            }
        }
    }

    @Test
    void credentialWhoseExpiryIsTooFarAheadIsRefused() throws Exception {
        double before = registry.find("icemesh.turn.auth.failures").tag("reason", "credential_lifetime_too_long")
                .counter().count();
        String user = "9999999999:session-forever";
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), user, TurnRestCredential.password("test-only-secret", user))) {
            assertEquals(401, code(c.allocate()));
        }
        assertEquals(1, registry.find("icemesh.turn.auth.failures").tag("reason", "credential_lifetime_too_long")
                .counter().count() - before, 0.0);
    }

    @Test
    void responsesAndIndicationsSentToTheServerAreCountedNotAnswered() throws Exception {
        double responses = registry.find("icemesh.turn.stun.ignored").tag("class", "response").counter().count();
        double indications = registry.find("icemesh.turn.stun.ignored").tag("class", "indication").counter().count();
        try (TurnTestClient c = alice()) {
            c.sendRaw(StunMessageBuilder.of(StunMessageType.BINDING_SUCCESS, TurnTestClient.newTransactionId())
                    .addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, new InetSocketAddress("192.0.2.1", 1))
                    .build());
            c.sendRaw(StunMessageBuilder.of(StunMessageType.DATA_INDICATION, TurnTestClient.newTransactionId())
                    .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, new InetSocketAddress("192.0.2.1", 1))
                    .add(StunAttributeType.DATA, new byte[] {1, 2, 3, 4}).build());
            assertNull(c.receive(), "nothing answers a response or a Data indication");
        }
        assertEquals(1, registry.find("icemesh.turn.stun.ignored").tag("class", "response").counter().count() - responses, 0.0);
        assertEquals(1, registry.find("icemesh.turn.stun.ignored").tag("class", "indication").counter().count()
                - indications, 0.0);
    }

    @Test
    void messageIntegritySha256IsAcceptedAndAnsweredInKind() throws Exception {
        try (TurnTestClient c = alice()) {
            c.sha256 = true;
            StunMessage answer = c.allocate();
            assertEquals(-1, code(answer));
            assertTrue(answer.integritySha256Offset() >= 0, "the response uses MESSAGE-INTEGRITY-SHA256");
            assertTrue(MessageIntegrity.verifySha256(answer, PasswordAlgorithm.SHA256.key("alice", "icemesh", "alice-password")));
            c.refresh(0);
        }
    }

    @Test
    void refreshToZeroDeletesTheAllocation() throws Exception {
        try (TurnTestClient c = alice()) {
            assertEquals(-1, code(c.allocate()));
            StunMessage deleted = c.refresh(0);
            assertEquals(-1, code(deleted));
            assertEquals(0, deleted.uint32Value(StunAttributeType.LIFETIME));
            assertEquals(437, code(c.refresh(600)), "the allocation is gone");
        }
    }

    @Test
    void malformedInputIsDroppedAndCounted() throws Exception {
        double before = malformed();
        try (TurnTestClient c = alice()) {
            c.sendRaw(new byte[] {(byte) 0xFF, 1, 2, 3, 4, 5});
            c.sendRaw(new byte[] {0, 1, 0, 8, 0x21, 0x12, (byte) 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
            c.sendRaw(new byte[] {0x40, 0x00, 0x00, 0x10, 1});
            c.sendRaw(new byte[] {1});
            assertNull(c.receive(), "no answer to garbage");
            StunMessage still = c.challenge();
            assertEquals(401, code(still), "the server keeps working");
        }
        assertEquals(before + 4, malformed(), 0.0);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("icemesh_turn_packets_malformed_total"))
                .body(containsString("icemesh_turn_allocations_active"))
                .body(containsString("icemesh_turn_relay_packets_total"));
    }

    @Test
    void unknownComprehensionRequiredAttributeGets420() throws Exception {
        try (TurnTestClient c = alice()) {
            StunMessage answer = c.transact(StunMessageBuilder.of(StunMessageType.BINDING_REQUEST,
                    TurnTestClient.newTransactionId()).add(0x7F01, new byte[4]).build());
            assertEquals(420, code(answer));
            assertNotNull(answer.value(StunAttributeType.UNKNOWN_ATTRIBUTES));
        }
    }

    @Test
    void healthEndpointsAreUp() {
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(200).body(containsString("turn-listeners"))
                .body(containsString("Kafka"));
    }

    private double malformed() {
        return registry.find("icemesh.turn.packets.malformed").counters().stream().mapToDouble(Counter::count).sum();
    }
}
