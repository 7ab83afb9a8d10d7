package io.icemesh.monitor.probe;

import java.net.InetSocketAddress;

/**
 * A decoded answer to a STUN Binding request.
 *
 * @param kind success, error or malformed
 * @param transactionId the transaction it answers; null when malformed
 * @param mappedAddress XOR-MAPPED-ADDRESS of a success answer, null when absent
 * @param errorCode ERROR-CODE of an error answer (e.g. 400), 0 when absent
 */
public record StunAnswer(Kind kind, TransactionId transactionId, InetSocketAddress mappedAddress, int errorCode) {

    /** What kind of answer arrived. */
    public enum Kind {
        /** Binding success response. */
        SUCCESS,
        /** Binding error response. */
        ERROR,
        /** Not a STUN Binding response (or a broken one). */
        MALFORMED
    }

    static final StunAnswer MALFORMED = new StunAnswer(Kind.MALFORMED, null, null, 0);
}
