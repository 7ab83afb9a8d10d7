package io.icemesh.turn.server;

import io.icemesh.turn.auth.AuthResult;
import io.icemesh.stun.PasswordAlgorithm;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunErrorCode;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;

/**
 * Builds responses. Answers to unauthenticated requests are as small as RFC 8489 allows, so the server amplifies
 * spoofed traffic as little as it can: no SOFTWARE, no extra addresses, an ERROR-CODE without reason phrase (the
 * phrase is optional text, Section 14.8), and FINGERPRINT only when the request had one. A 401 to a 28-byte
 * Allocate is 84 bytes (coturn 4.6.1 answers 96): the header, ERROR-CODE, REALM, NONCE (which must carry the nonce
 * cookie and security feature bits, Section 9.2) and PASSWORD-ALGORITHMS (which the Password algorithms feature
 * requires).
 * Responses to authenticated requests carry the same kind of integrity as the request (RFC 8489 Section 9.2.4)
 * and end with FINGERPRINT.
 */
final class StunResponses {

    /** Reason phrase of errors to unauthenticated requests: none (the code says it all, and costs 8 bytes). */
    private static final String NO_REASON = "";

    private StunResponses() {
    }

    /** An error without integrity (for requests that were not authenticated). */
    static byte[] error(StunMessage request, StunErrorCode code) {
        return finish(request, StunMessageBuilder.responseTo(request, false).addErrorCode(code.code(), NO_REASON));
    }

    /** 420 listing the unknown comprehension-required attributes (RFC 8489 Section 14.9). */
    static byte[] unknownAttributes(StunMessage request, int[] unknown, int count) {
        byte[] value = new byte[count * 2];
        for (int i = 0; i < count; i++) {
            value[2 * i] = (byte) (unknown[i] >> 8);
            value[2 * i + 1] = (byte) unknown[i];
        }
        return finish(request, StunMessageBuilder.responseTo(request, false)
                .addErrorCode(StunErrorCode.UNKNOWN_ATTRIBUTE.code(), NO_REASON)
                .add(StunAttributeType.UNKNOWN_ATTRIBUTES, value));
    }

    /** 401 or 438 with REALM, a fresh NONCE and PASSWORD-ALGORITHMS (RFC 8489 Section 9.2.4). */
    static byte[] challenge(StunMessage request, StunErrorCode code, String realm, String nonce) {
        return finish(request, StunMessageBuilder.responseTo(request, false).addErrorCode(code.code(), NO_REASON)
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
