package io.icemesh.turn.auth;

import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.PasswordAlgorithm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestAuthenticatorTest {

    private static final int ALLOCATE = StunMessageType.of(StunMessageType.METHOD_ALLOCATE, StunMessageType.CLASS_REQUEST);
    private static final long NOW = 1_800_000_000L;

    private final NonceService nonces = new NonceService(600);
    private final RequestAuthenticator auth = new RequestAuthenticator("icemesh",
            new CredentialStore(Map.of("alice", "pw"), List.of("new-secret", "old-secret"), 86_400), nonces);
    private final InetAddress client = InetAddress.getLoopbackAddress();

    private StunMessage request(String user, String password, PasswordAlgorithm alg, boolean sha256, String nonce) {
        StunMessageBuilder b = StunMessageBuilder.of(ALLOCATE, new byte[12])
                .addString(StunAttributeType.USERNAME, user).addString(StunAttributeType.REALM, "icemesh")
                .addString(StunAttributeType.NONCE, nonce);
        if (alg == PasswordAlgorithm.SHA256) {
            b.add(StunAttributeType.PASSWORD_ALGORITHMS, PasswordAlgorithm.OFFERED)
                    .add(StunAttributeType.PASSWORD_ALGORITHM, new byte[] {0, 2, 0, 0});
        }
        byte[] key = alg.key(user, "icemesh", password);
        if (sha256) {
            b.addMessageIntegritySha256(key);
        } else {
            b.addMessageIntegrity(key);
        }
        return StunMessageDecoder.decode(b.addFingerprint().build());
    }

    @Test
    void challengesRequestWithoutIntegrity() {
        StunMessage m = StunMessageDecoder.decode(StunMessageBuilder.of(ALLOCATE, new byte[12]).build());
        AuthResult r = auth.authenticate(m, client, NOW);
        assertEquals(StunErrorCode.UNAUTHENTICATED, r.error());
        assertEquals(AuthResult.REASON_CHALLENGE, r.reason());
    }

    @Test
    void acceptsStaticUserWithSha1AndSha256() {
        String nonce = auth.nonceFor(client, NOW);
        assertTrue(auth.authenticate(request("alice", "pw", PasswordAlgorithm.MD5, false, nonce), client, NOW).authenticated());
        AuthResult sha = auth.authenticate(request("alice", "pw", PasswordAlgorithm.SHA256, true, nonce), client, NOW);
        assertTrue(sha.authenticated());
        assertTrue(sha.sha256());
        assertTrue(auth.authenticate(request("alice", "pw", PasswordAlgorithm.MD5, true, nonce), client, NOW).authenticated(),
                "MI-SHA256 with the default MD5 key");
    }

    @Test
    void acceptsRestUserUnderPreviousSecret() {
        String user = (NOW + 60) + ":session-1";
        String nonce = auth.nonceFor(client, NOW);
        AuthResult r = auth.authenticate(request(user, TurnRestCredential.password("old-secret", user),
                PasswordAlgorithm.MD5, false, nonce), client, NOW);
        assertTrue(r.authenticated(), "a previous secret still authenticates during rotation");
        AuthResult wrong = auth.authenticate(request(user, TurnRestCredential.password("unknown", user),
                PasswordAlgorithm.MD5, false, nonce), client, NOW);
        assertEquals(RequestAuthenticator.REASON_BAD_INTEGRITY, wrong.reason());
    }

    @Test
    void refusesExpiredRestCredential() {
        String user = (NOW - 1) + ":session-1";
        AuthResult r = auth.authenticate(request(user, TurnRestCredential.password("new-secret", user),
                PasswordAlgorithm.MD5, false, auth.nonceFor(client, NOW)), client, NOW);
        assertEquals(StunErrorCode.UNAUTHENTICATED, r.error());
        assertEquals(RequestAuthenticator.REASON_EXPIRED, r.reason());
    }

    @Test
    void acceptsAnExpiredRestCredentialOnlyOnTheAllocationItMadeAndOnlyWithinTheLongestLifetime() {
        String user = (NOW - 3_600) + ":session-1";
        String password = TurnRestCredential.password("new-secret", user);
        String nonce = auth.nonceFor(client, NOW);
        assertTrue(auth.authenticate(request(user, password, PasswordAlgorithm.MD5, false, nonce), client, NOW, user)
                .authenticated(), "a call goes on with the credential it started with");
        AuthResult other = auth.authenticate(request(user, password, PasswordAlgorithm.MD5, false, nonce), client, NOW,
                (NOW + 60) + ":session-1");
        assertEquals(RequestAuthenticator.REASON_EXPIRED, other.reason(), "on an allocation made with another one");
        assertEquals(RequestAuthenticator.REASON_EXPIRED, auth.authenticate(request(user, password,
                PasswordAlgorithm.MD5, false, nonce), client, NOW, null).reason(), "without an allocation");
        AuthResult wrong = auth.authenticate(request(user, TurnRestCredential.password("unknown", user),
                PasswordAlgorithm.MD5, false, nonce), client, NOW, user);
        assertEquals(RequestAuthenticator.REASON_BAD_INTEGRITY, wrong.reason(), "its password is still checked");
        String old = (NOW - 86_401) + ":session-1";
        assertEquals(RequestAuthenticator.REASON_EXPIRED, auth.authenticate(request(old,
                TurnRestCredential.password("new-secret", old), PasswordAlgorithm.MD5, false, nonce), client, NOW, old)
                .reason(), "expired longer ago than the longest lifetime (86400 s here)");
    }

    @Test
    void answersStaleNonceWith438AndTellsWhetherTheSenderKnewThePassword() throws Exception {
        String old = auth.nonceFor(client, NOW - 601);
        AuthResult r = auth.authenticate(request("alice", "pw", PasswordAlgorithm.MD5, false, old), client, NOW);
        assertEquals(StunErrorCode.STALE_NONCE, r.error());
        assertTrue(r.signedByUser(), "a stale nonce on a correctly signed request is told apart from noise");
        assertFalse(r.authenticated(), "a stale nonce never authenticates");
        AuthResult guess = auth.authenticate(request("alice", "nope", PasswordAlgorithm.MD5, false, old), client, NOW);
        assertEquals(StunErrorCode.STALE_NONCE, guess.error());
        assertFalse(guess.signedByUser(), "a wrong password with a stale nonce is noise");
        String forged = auth.nonceFor(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 9}), NOW);
        AuthResult other = auth.authenticate(request("alice", "pw", PasswordAlgorithm.MD5, false, forged), client, NOW);
        assertEquals(StunErrorCode.STALE_NONCE, other.error());
        assertFalse(other.signedByUser(), "a nonce issued to another address is not checked further");
    }

    @Test
    void refusesRestCredentialWhoseExpiryIsTooFarAhead() {
        String user = "9999999999:session-1";
        AuthResult r = auth.authenticate(request(user, TurnRestCredential.password("new-secret", user),
                PasswordAlgorithm.MD5, false, auth.nonceFor(client, NOW)), client, NOW);
        assertEquals(StunErrorCode.UNAUTHENTICATED, r.error());
        assertEquals(RequestAuthenticator.REASON_LIFETIME_TOO_LONG, r.reason());
        String inDay = (NOW + 86_400 + 300) + ":session-1";
        assertTrue(auth.authenticate(request(inDay, TurnRestCredential.password("new-secret", inDay),
                PasswordAlgorithm.MD5, false, auth.nonceFor(client, NOW)), client, NOW).authenticated(),
                "an expiry at the longest lifetime plus the clock skew allowance is accepted");
        String justOver = (NOW + 86_400 + 301) + ":session-1";
        assertEquals(RequestAuthenticator.REASON_LIFETIME_TOO_LONG, auth.authenticate(request(justOver,
                TurnRestCredential.password("new-secret", justOver), PasswordAlgorithm.MD5, false,
                auth.nonceFor(client, NOW)), client, NOW).reason());
    }

    @Test
    void refusesWrongPasswordAndUnknownUser() {
        String nonce = auth.nonceFor(client, NOW);
        assertEquals(RequestAuthenticator.REASON_BAD_INTEGRITY,
                auth.authenticate(request("alice", "nope", PasswordAlgorithm.MD5, false, nonce), client, NOW).reason());
        assertEquals(RequestAuthenticator.REASON_UNKNOWN_USER,
                auth.authenticate(request("bob", "pw", PasswordAlgorithm.MD5, false, nonce), client, NOW).reason());
    }

    @Test
    void refusesPasswordAlgorithmWithoutEchoedList() {
        String nonce = auth.nonceFor(client, NOW);
        byte[] key = PasswordAlgorithm.SHA256.key("alice", "icemesh", "pw");
        StunMessage m = StunMessageDecoder.decode(StunMessageBuilder.of(ALLOCATE, new byte[12])
                .addString(StunAttributeType.USERNAME, "alice").addString(StunAttributeType.REALM, "icemesh")
                .addString(StunAttributeType.NONCE, nonce).add(StunAttributeType.PASSWORD_ALGORITHM, new byte[] {0, 2, 0, 0})
                .addMessageIntegritySha256(key).build());
        assertEquals(StunErrorCode.BAD_REQUEST, auth.authenticate(m, client, NOW).error());
    }
}
