package io.icemesh.signaling.ice;

import io.icemesh.stun.TurnRestCredential;
import java.time.Instant;

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
        return TurnRestCredential.password(secret, username);
    }
}
