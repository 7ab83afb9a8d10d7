package io.icemesh.turn.server;

import io.icemesh.turn.auth.AuthResult;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;

/**
 * Builds responses. Answers to unauthenticated requests stay small (no SOFTWARE, no extra addresses) so the server
 * amplifies spoofed traffic no more than coturn 4.6.1 does, and they carry FINGERPRINT only when the request did.
 * Responses to authenticated requests carry the same kind of integrity as the request (RFC 8489 Section 9.2.4)
 * and end with FINGERPRINT.
 */
final class StunResponses {

    private StunResponses() {
    }

    /** An error without integrity (for requests that were not authenticated). */
    static byte[] error(StunMessage request, StunErrorCode code) {
        return finish(request, StunMessageBuilder.responseTo(request, false).addErrorCode(code));
    }

    /** 420 listing the unknown comprehension-required attributes (RFC 8489 Section 14.9). */
    static byte[] unknownAttributes(StunMessage request, int[] unknown, int count) {
        byte[] value = new byte[count * 2];
        for (int i = 0; i < count; i++) {
            value[2 * i] = (byte) (unknown[i] >> 8);
            value[2 * i + 1] = (byte) unknown[i];
        }
        return finish(request, StunMessageBuilder.responseTo(request, false).addErrorCode(StunErrorCode.UNKNOWN_ATTRIBUTE)
                .add(StunAttributeType.UNKNOWN_ATTRIBUTES, value));
    }

    /** 401 or 438 with REALM, a fresh NONCE and PASSWORD-ALGORITHMS (RFC 8489 Section 9.2.4). */
    static byte[] challenge(StunMessage request, StunErrorCode code, String realm, String nonce) {
        return finish(request, StunMessageBuilder.responseTo(request, false).addErrorCode(code)
                .addString(StunAttributeType.REALM, realm).addString(StunAttributeType.NONCE, nonce)
                .add(StunAttributeType.PASSWORD_ALGORITHMS, PasswordAlgorithm.OFFERED));
    }

    /** Adds FINGERPRINT when the request had one, and encodes (answers to unauthenticated requests). */
    static byte[] finish(StunMessage request, StunMessageBuilder builder) {
        if (request.hasFingerprint()) {
            builder.addFingerprint();
        }
        return builder.build();
    }

    /** An error to an authenticated request, signed with the request's key. */
    static byte[] signedError(StunMessage request, StunErrorCode code, AuthResult auth) {
        return sign(StunMessageBuilder.responseTo(request, false).addErrorCode(code), auth);
    }

    /** Adds the integrity the request used and FINGERPRINT, and encodes. */
    static byte[] sign(StunMessageBuilder builder, AuthResult auth) {
        if (auth.sha256()) {
            builder.addMessageIntegritySha256(auth.key());
        } else {
            builder.addMessageIntegrity(auth.key());
        }
        return builder.addFingerprint().build();
    }
}
