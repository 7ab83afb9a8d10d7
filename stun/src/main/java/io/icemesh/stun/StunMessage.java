package io.icemesh.stun;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A decoded STUN message (RFC 8489 Section 5): a view over the message bytes with an index of its attributes.
 * Instances come from {@link StunMessageDecoder}; attribute values are read lazily from the bytes.
 */
public final class StunMessage {

    /** The fixed STUN header: type, length, magic cookie, transaction id (RFC 8489 Section 5). */
    public static final int HEADER_LENGTH = 20;
    /** The magic cookie, RFC 8489 Section 5. */
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** Length of the transaction id, RFC 8489 Section 5. */
    public static final int TRANSACTION_ID_LENGTH = 12;

    private final byte[] bytes;
    private final int type;
    private final int attributeCount;
    private final int[] attributeTypes;
    private final int[] attributeOffsets;
    private final int[] attributeLengths;
    private final int integrityOffset;
    private final int integritySha256Offset;
    private final boolean hasFingerprint;

    StunMessage(byte[] bytes, int type, int attributeCount, int[] attributeTypes, int[] attributeOffsets,
            int[] attributeLengths, int integrityOffset, int integritySha256Offset, boolean hasFingerprint) {
        this.bytes = bytes;
        this.type = type;
        this.attributeCount = attributeCount;
        this.attributeTypes = attributeTypes;
        this.attributeOffsets = attributeOffsets;
        this.attributeLengths = attributeLengths;
        this.integrityOffset = integrityOffset;
        this.integritySha256Offset = integritySha256Offset;
        this.hasFingerprint = hasFingerprint;
    }

    /** The whole message (header and attributes). */
    public byte[] bytes() {
        return bytes;
    }

    public int type() {
        return type;
    }

    public int method() {
        return StunMessageType.method(type);
    }

    public int messageClass() {
        return StunMessageType.messageClass(type);
    }

    /** A copy of the 96-bit transaction id. */
    public byte[] transactionId() {
        return Arrays.copyOfRange(bytes, 8, HEADER_LENGTH);
    }

    /** True when this message has the same transaction id as {@code other} (given as 12 bytes). */
    public boolean hasTransactionId(byte[] other) {
        return Arrays.equals(bytes, 8, HEADER_LENGTH, other, 0, TRANSACTION_ID_LENGTH);
    }

    public int attributeCount() {
        return attributeCount;
    }

    /** The type of the i-th attribute, in message order. */
    public int attributeType(int i) {
        return attributeTypes[i];
    }

    /** Index of the first attribute of a type, or -1. */
    public int indexOf(int attributeType) {
        for (int i = 0; i < attributeCount; i++) {
            if (attributeTypes[i] == attributeType) {
                return i;
            }
        }
        return -1;
    }

    public boolean has(int attributeType) {
        return indexOf(attributeType) >= 0;
    }

    /** Offset in {@link #bytes()} of the value of the i-th attribute. */
    public int valueOffset(int i) {
        return attributeOffsets[i];
    }

    /** Length of the value of the i-th attribute (without padding). */
    public int valueLength(int i) {
        return attributeLengths[i];
    }

    /** A copy of an attribute value, or null when absent. */
    public byte[] value(int attributeType) {
        int i = indexOf(attributeType);
        return i < 0 ? null : Arrays.copyOfRange(bytes, attributeOffsets[i], attributeOffsets[i] + attributeLengths[i]);
    }

    /** An attribute value as UTF-8 text, or null when absent. */
    public String stringValue(int attributeType) {
        int i = indexOf(attributeType);
        return i < 0 ? null : new String(bytes, attributeOffsets[i], attributeLengths[i], StandardCharsets.UTF_8);
    }

    /** A 32-bit attribute value (LIFETIME, REQUESTED-TRANSPORT...), or -1 when absent or not 4 bytes long. */
    public long uint32Value(int attributeType) {
        int i = indexOf(attributeType);
        if (i < 0 || attributeLengths[i] != 4) {
            return -1;
        }
        int o = attributeOffsets[i];
        return ((bytes[o] & 0xFFL) << 24) | ((bytes[o + 1] & 0xFFL) << 16) | ((bytes[o + 2] & 0xFFL) << 8)
                | (bytes[o + 3] & 0xFFL);
    }

    /** Offset of the MESSAGE-INTEGRITY attribute header, or -1. */
    public int integrityOffset() {
        return integrityOffset;
    }

    /** Offset of the MESSAGE-INTEGRITY-SHA256 attribute header, or -1. */
    public int integritySha256Offset() {
        return integritySha256Offset;
    }

    public boolean hasFingerprint() {
        return hasFingerprint;
    }

    /** True when the message carries MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256. */
    public boolean hasIntegrity() {
        return integrityOffset >= 0 || integritySha256Offset >= 0;
    }
}
