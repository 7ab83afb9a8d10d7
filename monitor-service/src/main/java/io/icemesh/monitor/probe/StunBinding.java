package io.icemesh.monitor.probe;

import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The Binding exchange a probe needs (RFC 8489), on the shared {@code stun} codec: it writes a Binding request with
 * no attributes and reads a Binding success or error response, taking XOR-MAPPED-ADDRESS (section 14.2) and
 * ERROR-CODE (section 14.8) from it. Decoding is total: any input that is not a well-formed Binding response is
 * {@link StunAnswer#MALFORMED}.
 */
public final class StunBinding {

    /** Section 5: the fixed header is 20 octets. */
    public static final int HEADER_LENGTH = StunMessage.HEADER_LENGTH;
    /** Binding error response: method 0x001, class error. */
    static final int BINDING_ERROR = StunMessageType.of(StunMessageType.METHOD_BINDING, StunMessageType.CLASS_ERROR);

    private StunBinding() {
    }

    /** A Binding request of the given transaction, 20 octets. */
    public static byte[] request(TransactionId id) {
        return StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, id.bytes()).build();
    }

    /** Decodes the buffer's remaining octets as one Binding response; never throws. */
    public static StunAnswer decode(ByteBuffer in) {
        try {
            ByteBuffer view = in.slice();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            return decode(bytes);
        } catch (RuntimeException e) {
            return StunAnswer.MALFORMED;
        }
    }

    private static StunAnswer decode(byte[] bytes) {
        StunMessage m = StunMessageDecoder.decode(bytes);
        if (m == null || (m.type() != StunMessageType.BINDING_SUCCESS && m.type() != BINDING_ERROR)) {
            return StunAnswer.MALFORMED;
        }
        TransactionId id = TransactionId.read(ByteBuffer.wrap(m.transactionId()));
        if (m.type() == BINDING_ERROR) {
            return new StunAnswer(StunAnswer.Kind.ERROR, id, null, Math.max(0, ErrorCodeAttribute.codeOf(m)));
        }
        InetSocketAddress mapped = null;
        if (m.has(StunAttributeType.XOR_MAPPED_ADDRESS)) {
            mapped = XorAddress.decode(m, StunAttributeType.XOR_MAPPED_ADDRESS);
            if (mapped == null) {
                return StunAnswer.MALFORMED;
            }
        }
        return new StunAnswer(StunAnswer.Kind.SUCCESS, id, mapped, 0);
    }
}
