package io.icemesh.stun;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest-00, as coturn's {@code use-auth-secret}):
 * the username is {@code expiry:user} with expiry in Unix seconds, and the password is
 * {@code base64(HMAC-SHA1(secret, username))}.
 */
public final class TurnRestCredential {

    /** Longest expiry field accepted (Unix seconds fit in 10 digits until 2286). */
    private static final int MAX_EXPIRY_DIGITS = 12;

    private TurnRestCredential() {
    }

    /** The password for a username under a shared secret. */
    public static String password(String secret, String username) {
        try {
            Mac mac = Crypto.mac("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable in this JVM", e);
        }
    }

    /**
     * The expiry (Unix seconds) of a REST username ({@code expiry} or {@code expiry:user}), or -1 when the username
     * does not have that form.
     */
    public static long expiryOf(String username) {
        int colon = username.indexOf(':');
        int end = colon < 0 ? username.length() : colon;
        if (end == 0 || end > MAX_EXPIRY_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < end; i++) {
            char c = username.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
