package io.icemesh.signaling.ice;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest-00, as coturn's use-auth-secret, eturnal, STUNner and
 * pion accept them): username {@code <expiry unix seconds>:<session id>}, password
 * {@code base64(HMAC-SHA1(secret, username))}.
 */
public final class TurnRestCredentials {

    private TurnRestCredentials() {
    }

    /** A username and its password. */
    public record Credential(String username, String password, Instant expiresAt) {
    }

    public static Credential issue(String secret, String sessionId, Instant expiresAt) {
        String username = expiresAt.getEpochSecond() + ":" + sessionId;
        return new Credential(username, password(secret, username), expiresAt);
    }

    public static String password(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
