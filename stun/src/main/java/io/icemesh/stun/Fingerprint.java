package io.icemesh.stun;

import java.util.zip.CRC32;

/** The FINGERPRINT attribute: CRC-32 of the message XOR 0x5354554e (RFC 8489 Section 14.7). */
public final class Fingerprint {

    /** FINGERPRINT value length. */
    public static final int VALUE_LENGTH = 4;
    /** The XOR constant, "STUN" in ASCII. */
    public static final int XOR = 0x5354554E;

    private Fingerprint() {
    }

    /**
     * The fingerprint of the message bytes before {@code attributeOffset}, with the header length counting the
     * FINGERPRINT attribute itself (RFC 8489 Section 14.7).
     */
    public static int compute(byte[] message, int attributeOffset) {
        CRC32 crc = new CRC32();
        int adjustedLength = attributeOffset - StunMessage.HEADER_LENGTH + 4 + VALUE_LENGTH;
        crc.update(message, 0, 2);
        crc.update((adjustedLength >> 8) & 0xFF);
        crc.update(adjustedLength & 0xFF);
        crc.update(message, 4, attributeOffset - 4);
        return (int) crc.getValue() ^ XOR;
    }

    /** True when the FINGERPRINT attribute at {@code attributeOffset} matches the bytes before it. */
    static boolean matches(byte[] message, int attributeOffset) {
        return compute(message, attributeOffset) == StunMessageDecoder.readInt(message, attributeOffset + 4);
    }
}
