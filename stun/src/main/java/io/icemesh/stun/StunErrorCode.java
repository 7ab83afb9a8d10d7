package io.icemesh.stun;

/**
 * STUN/TURN error codes and their reason phrases (RFC 8489 Section 14.8, RFC 8656 Section 19, RFC 6062 Section 6.3).
 */
public enum StunErrorCode {
    TRY_ALTERNATE(300, "Try Alternate"),
    BAD_REQUEST(400, "Bad Request"),
    UNAUTHENTICATED(401, "Unauthorized"),
    FORBIDDEN(403, "Forbidden"),
    UNKNOWN_ATTRIBUTE(420, "Unknown Attribute"),
    ALLOCATION_MISMATCH(437, "Allocation Mismatch"),
    STALE_NONCE(438, "Stale Nonce"),
    ADDRESS_FAMILY_NOT_SUPPORTED(440, "Address Family not Supported"),
    WRONG_CREDENTIALS(441, "Wrong Credentials"),
    UNSUPPORTED_TRANSPORT_PROTOCOL(442, "Unsupported Transport Protocol"),
    PEER_ADDRESS_FAMILY_MISMATCH(443, "Peer Address Family Mismatch"),
    CONNECTION_ALREADY_EXISTS(446, "Connection Already Exists"),
    CONNECTION_TIMEOUT_OR_FAILURE(447, "Connection Timeout or Failure"),
    ALLOCATION_QUOTA_REACHED(486, "Allocation Quota Reached"),
    SERVER_ERROR(500, "Server Error"),
    INSUFFICIENT_CAPACITY(508, "Insufficient Capacity");

    private final int code;
    private final String reason;

    StunErrorCode(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }
}
