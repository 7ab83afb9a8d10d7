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
 * When MESSAGE-INTEGRITY-SHA256 is present it is the one checked (Section 14.6). A request with a stale (but
 * genuine) nonce has its integrity checked too, so that the server can tell a client that knows the password from
 * noise and answer it even while its address is rate limited.
 */
public final class RequestAuthenticator {

    public static final String REASON_BAD_REQUEST = "bad_request";
    public static final String REASON_STALE_NONCE = "stale_nonce";
    public static final String REASON_UNKNOWN_USER = "unknown_user";
    public static final String REASON_EXPIRED = "expired_credential";
    public static final String REASON_BAD_INTEGRITY = "bad_integrity";
    public static final String REASON_USERHASH = "userhash_unsupported";
    public static final String REASON_LIFETIME_TOO_LONG = "credential_lifetime_too_long";

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

    /** Authenticates a request from {@code client} at {@code nowSeconds} that is not on an allocation of its own. */
    public AuthResult authenticate(StunMessage request, InetAddress client, long nowSeconds) {
        return authenticate(request, client, nowSeconds, null);
    }

    /**
     * Authenticates a request from {@code client} at {@code nowSeconds}; {@code allocationUsername} is the username
     * of the allocation the request's 5-tuple holds, or whose waiting peer connection a ConnectionBind from the same
     * client address names (null for an Allocate, or when there is none). A request made
     * with that same username is accepted after its TURN REST credential expired, within the grace
     * ({@link CredentialStore#lookupForOwnAllocation}): the call it carries goes on; nothing new is granted with it.
     */
    public AuthResult authenticate(StunMessage request, InetAddress client, long nowSeconds,
            String allocationUsername) {
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
        NonceService.Validity validity = nonces.check(nonce, client, nowSeconds);
        if (validity == NonceService.Validity.INVALID) {
            return AuthResult.fail(StunErrorCode.STALE_NONCE, REASON_STALE_NONCE, username);
        }
        boolean ownAllocation = username.equals(allocationUsername);
        CredentialStore.Lookup lookup = validity != NonceService.Validity.VALID
                ? credentials.lookupForStaleNonce(username, nowSeconds)
                : ownAllocation ? credentials.lookupForOwnAllocation(username, nowSeconds)
                : credentials.lookup(username, nowSeconds);
        if (validity == NonceService.Validity.STALE) {
            byte[] key = verifiedKey(request, algorithm, username, lookup);
            return key == null ? AuthResult.fail(StunErrorCode.STALE_NONCE, REASON_STALE_NONCE, username)
                    : AuthResult.staleButSigned(username, key, request.integritySha256Offset() >= 0);
        }
        switch (lookup.status()) {
            case EXPIRED:
                return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_EXPIRED, username);
            case LIFETIME_TOO_LONG:
                return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_LIFETIME_TOO_LONG, username);
            case UNKNOWN:
                return AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_UNKNOWN_USER, username);
            default:
                break;
        }
        byte[] key = verifiedKey(request, algorithm, username, lookup);
        return key != null ? AuthResult.ok(username, key, request.integritySha256Offset() >= 0)
                : AuthResult.fail(StunErrorCode.UNAUTHENTICATED, REASON_BAD_INTEGRITY, username);
    }

    /** The long-term key under which the request's integrity verifies, or null. */
    private byte[] verifiedKey(StunMessage request, PasswordAlgorithm algorithm, String username,
            CredentialStore.Lookup lookup) {
        boolean sha256 = request.integritySha256Offset() >= 0;
        for (String password : lookup.passwords()) {
            byte[] key = algorithm.key(username, realm, password);
            boolean ok = sha256 ? MessageIntegrity.verifySha256(request, key) : MessageIntegrity.verifySha1(request, key);
            if (ok) {
                return key;
            }
        }
        return null;
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
