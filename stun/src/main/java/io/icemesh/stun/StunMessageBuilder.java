package io.icemesh.stun;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds a STUN message (RFC 8489 Section 5): header, attributes padded with zeros, then optionally
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, in that order (RFC 8489 Section 14).
 */
public final class StunMessageBuilder {

    private static final int INITIAL_CAPACITY = 256;

    private byte[] buf = new byte[INITIAL_CAPACITY];
    private int length = StunMessage.HEADER_LENGTH;
    private final byte[] transactionId;

    private StunMessageBuilder(int type, byte[] transactionId) {
        if (transactionId.length != StunMessage.TRANSACTION_ID_LENGTH) {
            throw new IllegalArgumentException("transaction id must be 12 bytes");
        }
        this.transactionId = transactionId.clone();
        buf[0] = (byte) (type >> 8);
        buf[1] = (byte) type;
        writeInt(4, StunMessage.MAGIC_COOKIE);
        System.arraycopy(transactionId, 0, buf, 8, StunMessage.TRANSACTION_ID_LENGTH);
    }

    /** A message of {@code type} with a transaction id. */
    public static StunMessageBuilder of(int type, byte[] transactionId) {
        return new StunMessageBuilder(type, transactionId);
    }

    /** A response (success or error) to a request, with its transaction id. */
    public static StunMessageBuilder responseTo(StunMessage request, boolean success) {
        int type = success ? StunMessageType.successOf(request.type()) : StunMessageType.errorOf(request.type());
        return new StunMessageBuilder(type, request.transactionId());
    }

    public byte[] transactionId() {
        return transactionId.clone();
    }

    /** Adds an attribute with a raw value, padded to 4 bytes with zeros. */
    public StunMessageBuilder add(int type, byte[] value) {
        return add(type, value, 0, value.length);
    }

    /** Adds an attribute with a value slice. */
    public StunMessageBuilder add(int type, byte[] value, int offset, int valueLength) {
        int total = StunMessageDecoder.ATTRIBUTE_HEADER_LENGTH + StunMessageDecoder.padded(valueLength);
        ensure(total);
        buf[length] = (byte) (type >> 8);
        buf[length + 1] = (byte) type;
        buf[length + 2] = (byte) (valueLength >> 8);
        buf[length + 3] = (byte) valueLength;
        System.arraycopy(value, offset, buf, length + 4, valueLength);
        Arrays.fill(buf, length + 4 + valueLength, length + total, (byte) 0);
        length += total;
        setBodyLength(length - StunMessage.HEADER_LENGTH);
        return this;
    }

    public StunMessageBuilder addString(int type, String value) {
        return add(type, value.getBytes(StandardCharsets.UTF_8));
    }

    public StunMessageBuilder addUint32(int type, long value) {
        return add(type, new byte[] {(byte) (value >> 24), (byte) (value >> 16), (byte) (value >> 8), (byte) value});
    }

    /** Adds an XOR-encoded transport address attribute. */
    public StunMessageBuilder addXorAddress(int type, InetSocketAddress address) {
        return add(type, XorAddress.encode(address, transactionId));
    }

    /** Adds ERROR-CODE (RFC 8489 Section 14.8). */
    public StunMessageBuilder addErrorCode(StunErrorCode error) {
        return addErrorCode(error.code(), error.reason());
    }

    public StunMessageBuilder addErrorCode(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[4 + text.length];
        value[2] = (byte) (code / 100);
        value[3] = (byte) (code % 100);
        System.arraycopy(text, 0, value, 4, text.length);
        return add(StunAttributeType.ERROR_CODE, value);
    }

    /** Appends MESSAGE-INTEGRITY computed with {@code key} (RFC 8489 Section 14.5). */
    public StunMessageBuilder addMessageIntegrity(byte[] key) {
        int at = length;
        add(StunAttributeType.MESSAGE_INTEGRITY, new byte[MessageIntegrity.SHA1_LENGTH]);
        byte[] mac = MessageIntegrity.sha1(buf, at, key);
        System.arraycopy(mac, 0, buf, at + 4, MessageIntegrity.SHA1_LENGTH);
        return this;
    }

    /** Appends a full-length MESSAGE-INTEGRITY-SHA256 computed with {@code key} (RFC 8489 Section 14.6). */
    public StunMessageBuilder addMessageIntegritySha256(byte[] key) {
        int at = length;
        add(StunAttributeType.MESSAGE_INTEGRITY_SHA256, new byte[MessageIntegrity.SHA256_LENGTH]);
        byte[] mac = MessageIntegrity.sha256(buf, at, MessageIntegrity.SHA256_LENGTH, key);
        System.arraycopy(mac, 0, buf, at + 4, MessageIntegrity.SHA256_LENGTH);
        return this;
    }

    /** Appends FINGERPRINT; nothing may follow it (RFC 8489 Section 14.7). */
    public StunMessageBuilder addFingerprint() {
        int at = length;
        add(StunAttributeType.FINGERPRINT, new byte[Fingerprint.VALUE_LENGTH]);
        writeInt(at + 4, Fingerprint.compute(buf, at));
        return this;
    }

    /** The encoded message. */
    public byte[] build() {
        return Arrays.copyOf(buf, length);
    }

    private void setBodyLength(int bodyLength) {
        buf[2] = (byte) (bodyLength >> 8);
        buf[3] = (byte) bodyLength;
    }

    private void ensure(int extra) {
        if (length + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + extra));
        }
    }

    private void writeInt(int at, int v) {
        buf[at] = (byte) (v >> 24);
        buf[at + 1] = (byte) (v >> 16);
        buf[at + 2] = (byte) (v >> 8);
        buf[at + 3] = (byte) v;
    }
}
