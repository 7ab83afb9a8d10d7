package io.icemesh.monitor.probe;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The smallest STUN codec a probe needs (RFC 8489): it writes a Binding request with no attributes and reads a
 * Binding success or error response, taking XOR-MAPPED-ADDRESS (section 14.2) and ERROR-CODE (section 14.8) from
 * it. Decoding is total: any input that is not a well-formed Binding response is {@link StunAnswer#MALFORMED}.
 */
public final class StunBinding {

    /** Section 5: the fixed header is 20 octets. */
    public static final int HEADER_LENGTH = 20;
    /** Section 5: the magic cookie, 0x2112A442 in network byte order. */
    static final int MAGIC_COOKIE = 0x2112A442;
    /** Binding request: method 0x001, class request. */
    static final int BINDING_REQUEST = 0x0001;
    /** Binding success response: method 0x001, class success. */
    static final int BINDING_SUCCESS = 0x0101;
    /** Binding error response: method 0x001, class error. */
    static final int BINDING_ERROR = 0x0111;
    static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    static final int ATTR_ERROR_CODE = 0x0009;
    private static final int FAMILY_IPV4 = 0x01;
    private static final int FAMILY_IPV6 = 0x02;
    private static final int IPV4_LENGTH = 4;
    private static final int IPV6_LENGTH = 16;
    /** Attribute header: type and length, two octets each. */
    private static final int ATTR_HEADER_LENGTH = 4;
    /** Attributes are padded to a multiple of four octets (section 14). */
    private static final int PADDING = 4;
    private static final int CLASS_MULTIPLIER = 100;

    private StunBinding() {
    }

    /** A Binding request of the given transaction, 20 octets. */
    public static byte[] request(TransactionId id) {
        ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH);
        out.putShort((short) BINDING_REQUEST).putShort((short) 0).putInt(MAGIC_COOKIE);
        id.write(out);
        return out.array();
    }

    /** Decodes the buffer's remaining octets as one Binding response; never throws. */
    public static StunAnswer decode(ByteBuffer in) {
        try {
            return decodeOrMalformed(in.slice());
        } catch (RuntimeException | UnknownHostException e) {
            return StunAnswer.MALFORMED;
        }
    }

    private static StunAnswer decodeOrMalformed(ByteBuffer in) throws UnknownHostException {
        if (in.remaining() < HEADER_LENGTH) {
            return StunAnswer.MALFORMED;
        }
        int type = in.getShort() & 0xFFFF;
        int length = in.getShort() & 0xFFFF;
        if ((type != BINDING_SUCCESS && type != BINDING_ERROR) || in.getInt() != MAGIC_COOKIE
                || length % PADDING != 0 || length != in.remaining() - TransactionId.LENGTH) {
            return StunAnswer.MALFORMED;
        }
        TransactionId id = TransactionId.read(in);
        InetSocketAddress mapped = null;
        int errorCode = 0;
        while (in.hasRemaining()) {
            if (in.remaining() < ATTR_HEADER_LENGTH) {
                return StunAnswer.MALFORMED;
            }
            int attrType = in.getShort() & 0xFFFF;
            int attrLength = in.getShort() & 0xFFFF;
            int padded = (attrLength + PADDING - 1) / PADDING * PADDING;
            if (padded > in.remaining()) {
                return StunAnswer.MALFORMED;
            }
            ByteBuffer value = in.slice(in.position(), attrLength);
            in.position(in.position() + padded);
            if (attrType == ATTR_XOR_MAPPED_ADDRESS) {
                mapped = xorMappedAddress(value, id);
                if (mapped == null) {
                    return StunAnswer.MALFORMED;
                }
            } else if (attrType == ATTR_ERROR_CODE && attrLength >= ATTR_HEADER_LENGTH) {
                value.getShort();
                int errorClass = value.get() & 0x07;
                int number = value.get() & 0xFF;
                errorCode = errorClass * CLASS_MULTIPLIER + number;
            }
        }
        return new StunAnswer(type == BINDING_SUCCESS ? StunAnswer.Kind.SUCCESS : StunAnswer.Kind.ERROR, id, mapped,
                errorCode);
    }

    /** Section 14.2: port XORed with the cookie's top 16 bits, address with the cookie (and the id for IPv6). */
    private static InetSocketAddress xorMappedAddress(ByteBuffer v, TransactionId id) throws UnknownHostException {
        if (v.remaining() < ATTR_HEADER_LENGTH) {
            return null;
        }
        v.get();
        int family = v.get() & 0xFF;
        int port = (v.getShort() & 0xFFFF) ^ (MAGIC_COOKIE >>> 16);
        int addressLength = family == FAMILY_IPV4 ? IPV4_LENGTH : family == FAMILY_IPV6 ? IPV6_LENGTH : -1;
        if (addressLength < 0 || v.remaining() != addressLength) {
            return null;
        }
        ByteBuffer mask = ByteBuffer.allocate(IPV6_LENGTH).putInt(MAGIC_COOKIE);
        id.write(mask);
        byte[] address = new byte[addressLength];
        for (int i = 0; i < addressLength; i++) {
            address[i] = (byte) (v.get() ^ mask.get(i));
        }
        return new InetSocketAddress(InetAddress.getByAddress(address), port);
    }
}
