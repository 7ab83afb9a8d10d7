package io.icemesh.turn.auth;

import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.MessageIntegrity;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * Long-term credential checks of a TURN request (RFC 8489 Section 9.2.4, in its order): a request without integrity
 * is challenged (401 with REALM, NONCE and PASSWORD-ALGORITHMS); a request missing USERNAME, REALM or NONCE is a 400;
 * a PASSWORD-ALGORITHMS that differs from the offer, or a PASSWORD-ALGORITHM not offered, is a 400; a stale or
 * forged nonce is a 438; an unknown or expired username or a wrong integrity is a 401.
 * When MESSAGE-INTEGRITY-SHA256 is present it is the one checked (Section 14.6).
 */
public final class RequestAuthenticator {

    public static final String REASON_BAD_REQUEST = "bad_request";
    public static final String REASON_STALE_NONCE = "stale_nonce";
    public static final String REASON_UNKNOWN_USER = "unknown_user";
    public static final String REASON_EXPIRED = "expired_credential";
    public static final String REASON_BAD_INTEGRITY = "bad_integrity";
    public static final String REASON_USERHASH = "userhash_unsupported";

    /** Longest USERNAME accepted (RFC 8489 Section 14.3: fewer than 509 bytes). */
    public static final int MAX_USERNAME_BYTES = 508;

    private final String realm;
    private final CredentialStore credentials;
    private final NonceService nonces;

    public RequestAuthenticator(String realm, CredentialStore credentials, NonceService nonces) {
        this.realm = realm;
        this.credentials = credentials;
        this.nonces = nonces;
    }

    public String realm() {
        return realm;
    }

    /** A fresh nonce for a client. */
    public String nonceFor(InetAddress client, long nowSeconds) {
        return nonces.issue(client, nowSeconds);
    }

    /** Authenticates a request from {@code client} at {@code nowSeconds}. */
    public AuthResult authenticate(StunMessage request, InetAddress client, long nowSeconds) {
        if (!request.hasIntegrity()) {
            return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, AuthResult.REASON_CHALLENGE, null);
        }
        String username = request.stringValue(StunAttributeType.USERNAME);
        String givenRealm = request.stringValue(StunAttributeType.REALM);
        String nonce = request.stringValue(StunAttributeType.NONCE);
        if (username == null) {
            String reason = request.has(StunAttributeType.USERHASH) ? REASON_USERHASH : REASON_BAD_REQUEST;
            return AuthResult.fail(StunErrorCode.BAD_REQUEST, reason, null);
        }
        if (givenRealm == null || nonce == null || username.length() > MAX_USERNAME_BYTES) {
            return AuthResult.fail(StunErrorCode.BAD_REQUEST, REASON_BAD_REQUEST, username);
        }
        PasswordAlgorithm algorithm = passwordAlgorithm(request);
        if (algorithm == null) {
            return AuthResult.fail(StunErrorCode.BAD_REQUEST, REASON_BAD_REQUEST, username);
        }
        if (nonces.check(nonce, client, nowSeconds) != NonceService.Validity.VALID) {
            return AuthResult.fail(StunErrorCode.STALE_NONCE, REASON_STALE_NONCE, username);
        }
        CredentialStore.Lookup lookup = credentials.lookup(username, nowSeconds);
        if (lookup.status() == CredentialStore.Status.EXPIRED) {
            return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_EXPIRED, username);
        }
        if (lookup.status() == CredentialStore.Status.UNKNOWN) {
            return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_UNKNOWN_USER, username);
        }
        boolean sha256 = request.integritySha256Offset() >= 0;
        for (String password : lookup.passwords()) {
            byte[] key = algorithm.key(username, realm, password);
            boolean ok = sha256 ? MessageIntegrity.verifySha256(request, key) : MessageIntegrity.verifySha1(request, key);
            if (ok) {
                return AuthResult.ok(username, key, sha256);
            }
        }
        return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_BAD_INTEGRITY, username);
    }

    /**
     * The password algorithm a request uses (RFC 8489 Section 9.2.4): MD5 when it names none; null (a 400) when
     * it names one without echoing PASSWORD-ALGORITHMS, echoes a different list, or names one not offered.
     */
    private static PasswordAlgorithm passwordAlgorithm(StunMessage request) {
        byte[] chosen = request.value(StunAttributeType.PASSWORD_ALGORITHM);
        byte[] echoed = request.value(StunAttributeType.PASSWORD_ALGORITHMS);
        if (chosen == null) {
            return echoed == null || Arrays.equals(echoed, PasswordAlgorithm.OFFERED) ? PasswordAlgorithm.MD5 : null;
        }
        if (echoed == null || !Arrays.equals(echoed, PasswordAlgorithm.OFFERED) || chosen.length < 4) {
            return null;
        }
        return PasswordAlgorithm.ofCode(((chosen[0] & 0xFF) << 8) | (chosen[1] & 0xFF));
    }
}
