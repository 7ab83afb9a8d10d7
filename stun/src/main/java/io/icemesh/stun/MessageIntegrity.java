package io.icemesh.stun;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 Section 14.5) and MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, Section 14.6).
 * The HMAC covers the message up to the attribute, with the header length adjusted to end just after it.
 */
public final class MessageIntegrity {

    /** MESSAGE-INTEGRITY value length. */
    public static final int SHA1_LENGTH = 20;
    /** Full MESSAGE-INTEGRITY-SHA256 value length. */
    public static final int SHA256_LENGTH = 32;
    /** Shortest truncated MESSAGE-INTEGRITY-SHA256 allowed (RFC 8489 Section 14.6). */
    public static final int SHA256_MIN_LENGTH = 16;

    private static final String HMAC_SHA1 = "HmacSHA1";
    private static final String HMAC_SHA256 = "HmacSHA256";

    private MessageIntegrity() {
    }

    /** HMAC-SHA1 over {@code message[0, attributeOffset)} with the length adjusted for a 20-byte MI. */
    public static byte[] sha1(byte[] message, int attributeOffset, byte[] key) {
        return hmac(HMAC_SHA1, message, attributeOffset, SHA1_LENGTH, key);
    }

    /** HMAC-SHA256 over {@code message[0, attributeOffset)} with the length adjusted for a value of valueLength. */
    public static byte[] sha256(byte[] message, int attributeOffset, int valueLength, byte[] key) {
        return hmac(HMAC_SHA256, message, attributeOffset, valueLength, key);
    }

    /** Checks the MESSAGE-INTEGRITY of a decoded message with a key; false when absent. */
    public static boolean verifySha1(StunMessage message, byte[] key) {
        int at = message.integrityOffset();
        if (at < 0 || key == null) {
            return false;
        }
        byte[] expected = sha1(message.bytes(), at, key);
        return constantTimeEquals(expected, message.bytes(), at + 4, SHA1_LENGTH);
    }

    /** Checks the MESSAGE-INTEGRITY-SHA256 of a decoded message with a key; false when absent. */
    public static boolean verifySha256(StunMessage message, byte[] key) {
        int at = message.integritySha256Offset();
        if (at < 0 || key == null) {
            return false;
        }
        byte[] bytes = message.bytes();
        int valueLength = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
        byte[] expected = sha256(bytes, at, valueLength, key);
        return constantTimeEquals(expected, bytes, at + 4, valueLength);
    }

    private static boolean constantTimeEquals(byte[] expected, byte[] actual, int offset, int length) {
        byte[] given = new byte[length];
        System.arraycopy(actual, offset, given, 0, length);
        byte[] truncated = new byte[length];
        System.arraycopy(expected, 0, truncated, 0, length);
        return MessageDigest.isEqual(truncated, given);
    }

    private static byte[] hmac(String algorithm, byte[] message, int attributeOffset, int valueLength, byte[] key) {
        try {
            Mac mac = Crypto.mac(algorithm);
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            int adjustedLength = attributeOffset - StunMessage.HEADER_LENGTH + 4 + valueLength;
            mac.update(message, 0, 2);
            mac.update((byte) (adjustedLength >> 8));
            mac.update((byte) adjustedLength);
            mac.update(message, 4, attributeOffset - 4);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable in this JVM: " + algorithm, e);
        }
    }
}
