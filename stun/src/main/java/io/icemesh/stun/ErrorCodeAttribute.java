package io.icemesh.stun;

/** Reads the ERROR-CODE attribute (RFC 8489 Section 14.8): class in bits 8-10, number in the low byte. */
public final class ErrorCodeAttribute {

    private ErrorCodeAttribute() {
    }

    /** The error code of a message, or -1 when absent or malformed. */
    public static int codeOf(StunMessage message) {
        int i = message.indexOf(StunAttributeType.ERROR_CODE);
        if (i < 0 || message.valueLength(i) < 4) {
            return -1;
        }
        byte[] b = message.bytes();
        int o = message.valueOffset(i);
        return (b[o + 2] & 0x07) * 100 + (b[o + 3] & 0xFF);
    }
}
