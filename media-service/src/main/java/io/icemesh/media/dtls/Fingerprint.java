package io.icemesh.media.dtls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * A certificate fingerprint as SDP carries it: {@code a=fingerprint:<hash> <HEX:HEX:...>} (RFC 8122 section 5).
 *
 * @param hashFunction lower-case hash name from the SDP, such as {@code sha-256}
 * @param value upper-case hex bytes separated by colons
 */
public record Fingerprint(String hashFunction, String value) {

    /** Parses the attribute value {@code "sha-256 AB:CD:..."}; returns null when it is not one. */
    public static Fingerprint parse(String attributeValue) {
        if (attributeValue == null) {
            return null;
        }
        String[] parts = attributeValue.trim().split("\\s+");
        if (parts.length != 2 || javaName(parts[0]) == null || !parts[1].matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2})+")) {
            return null;
        }
        return new Fingerprint(parts[0].toLowerCase(Locale.ROOT), parts[1].toUpperCase(Locale.ROOT));
    }

    /** The fingerprint of a DER-encoded certificate under the named hash. */
    public static Fingerprint of(String hashFunction, byte[] derCertificate) {
        String javaName = javaName(hashFunction);
        if (javaName == null) {
            throw new IllegalArgumentException("unsupported fingerprint hash " + hashFunction);
        }
        try {
            byte[] digest = MessageDigest.getInstance(javaName).digest(derCertificate);
            StringBuilder sb = new StringBuilder(digest.length * 3);
            for (byte b : digest) {
                if (sb.length() > 0) {
                    sb.append(':');
                }
                sb.append(String.format(Locale.ROOT, "%02X", b & 0xFF));
            }
            return new Fingerprint(hashFunction.toLowerCase(Locale.ROOT), sb.toString());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code derCertificate} hashes to this fingerprint (constant time over the text). */
    public boolean matches(byte[] derCertificate) {
        Fingerprint actual = of(hashFunction, derCertificate);
        return MessageDigest.isEqual(actual.value.getBytes(), value.getBytes());
    }

    /** The SDP attribute value. */
    public String sdpValue() {
        return hashFunction + " " + value;
    }

    private static String javaName(String sdpName) {
        return switch (sdpName.toLowerCase(Locale.ROOT)) {
            case "sha-1" -> "SHA-1";
            case "sha-256" -> "SHA-256";
            case "sha-384" -> "SHA-384";
            case "sha-512" -> "SHA-512";
            default -> null;
        };
    }
}
