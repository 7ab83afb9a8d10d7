package io.icemesh.turn.auth;

import io.icemesh.stun.TurnRestCredential;
import io.icemesh.stun.PasswordAlgorithm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialsTest {

    @Test
    void restPasswordIsBase64HmacSha1OfUsername() {
        // computed independently: printf '1700000000:alice' | openssl dgst -sha1 -hmac secret -binary | base64
        assertEquals("d8soP47RbdIKLDUOpnJPVQyq5Ts=", TurnRestCredential.password("secret", "1700000000:alice"));
    }

    @Test
    void parsesRestExpiry() {
        assertEquals(1700000000L, TurnRestCredential.expiryOf("1700000000:alice"));
        assertEquals(1700000000L, TurnRestCredential.expiryOf("1700000000"));
        assertEquals(-1, TurnRestCredential.expiryOf("alice:1700000000"));
        assertEquals(-1, TurnRestCredential.expiryOf(":alice"));
        assertEquals(-1, TurnRestCredential.expiryOf("12345678901234:x"));
    }

    @Test
    void longTermKeyIsMd5OfUserRealmPassword() {
        // printf 'user:realm:pass' | md5sum
        assertArrayEquals(HexFormat.of().parseHex("8493fbc53ba582fb4c044c456bdc40eb"),
                PasswordAlgorithm.MD5.key("user", "realm", "pass"));
        // printf 'user:realm:pass' | sha256sum
        assertEquals(32, PasswordAlgorithm.SHA256.key("user", "realm", "pass").length);
    }

    @Test
    void storeFindsStaticUsersRestUsersAndRefusesExpired() {
        CredentialStore store = new CredentialStore(Map.of("alice", "pw"), List.of("current", "previous"), 86_400);
        assertEquals(List.of("pw"), store.lookup("alice", 100).passwords());
        CredentialStore.Lookup rest = store.lookup("200:bob", 100);
        assertEquals(CredentialStore.Status.FOUND, rest.status());
        assertEquals(List.of(TurnRestCredential.password("current", "200:bob"),
                TurnRestCredential.password("previous", "200:bob")), rest.passwords());
        assertEquals(CredentialStore.Status.EXPIRED, store.lookup("99:bob", 100).status());
        assertEquals(CredentialStore.Status.UNKNOWN, store.lookup("mallory", 100).status());
        assertEquals(CredentialStore.Status.UNKNOWN,
                new CredentialStore(Map.of(), List.of(), 86_400).lookup("200:bob", 100).status());
    }

    @Test
    void noncesAreBoundToAddressAndTime() throws Exception {
        NonceService nonces = new NonceService(600);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        String nonce = nonces.issue(a, 1_000_000);
        assertEquals(NonceService.LENGTH, nonce.length());
        assertEquals(NonceService.Validity.VALID, nonces.check(nonce, a, 1_000_600));
        assertEquals(NonceService.Validity.STALE, nonces.check(nonce, a, 1_000_601));
        assertEquals(NonceService.Validity.INVALID, nonces.check(nonce, b, 1_000_001));
        assertEquals(NonceService.Validity.INVALID, nonces.check(nonce.substring(0, nonce.length() - 2) + (nonce.endsWith("AA") ? "BB" : "AA"), a, 1_000_001));
        assertEquals(NonceService.Validity.INVALID, nonces.check("obMatJos2gAAAzz", a, 1_000_001));
        assertEquals(NonceService.Validity.INVALID, new NonceService(600).check(nonce, a, 1_000_001),
                "another process's key does not validate the nonce");
    }
}
