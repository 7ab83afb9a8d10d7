package io.icemesh.turn.auth;

import io.icemesh.stun.StunErrorCode;

/**
 * The outcome of authenticating a request (RFC 8489 Section 9.2.4).
 *
 * @param error null when authenticated, else the error to answer with
 * @param reason a short, bounded reason for metrics and events (null when authenticated)
 * @param username the USERNAME given (null when absent)
 * @param key the long-term key that verified the request's integrity: set when authenticated, and on a stale nonce
 *     whose request was signed with the right key (the sender knows the password; only its nonce is old)
 * @param sha256 true when the request used MESSAGE-INTEGRITY-SHA256, so the response must too
 */
public record AuthResult(StunErrorCode error, String reason, String username, byte[] key, boolean sha256) {

    /** Reason: no integrity attribute, the normal first round trip (not counted as a failure). */
    public static final String REASON_CHALLENGE = "challenge";

    public static AuthResult ok(String username, byte[] key, boolean sha256) {
        return new AuthResult(null, null, username, key, sha256);
    }

    public static AuthResult fail(StunErrorCode error, String reason, String username) {
        return new AuthResult(error, reason, username, null, false);
    }

    /** A stale nonce on a request whose integrity verified. */
    public static AuthResult staleButSigned(String username, byte[] key, boolean sha256) {
        return new AuthResult(StunErrorCode.STALE_NONCE, RequestAuthenticator.REASON_STALE_NONCE, username, key, sha256);
    }

    /** True when the sender proved it holds the credential (authenticated, or only its nonce was stale). */
    public boolean signedByUser() {
        return key != null;
    }

    public boolean authenticated() {
        return error == null;
    }
}
