package io.icemesh.stun;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Password algorithms for long-term credentials (RFC 8489 Section 18.5 registry): the key is
 * {@code H(username ":" realm ":" OpaqueString(password))} (Section 9.2.2).
 */
public enum PasswordAlgorithm {
    MD5(0x0001, "MD5"),
    SHA256(0x0002, "SHA-256");

    /** The PASSWORD-ALGORITHMS value this server offers: MD5 then SHA-256, no parameters (Section 14.11). */
    public static final byte[] OFFERED = {0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};

    private final int code;
    private final String digest;

    PasswordAlgorithm(int code, String digest) {
        this.code = code;
        this.digest = digest;
    }

    public int code() {
        return code;
    }

    /** The algorithm with a registry number, or null. */
    public static PasswordAlgorithm ofCode(int code) {
        for (PasswordAlgorithm a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        return null;
    }

    /** The long-term key for a username, realm and password. */
    public byte[] key(String username, String realm, String password) {
        try {
            String text = username + ":" + realm + ":" + SaslPrep.prepare(password);
            return Crypto.digest(digest).digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("digest unavailable in this JVM: " + digest, e);
        }
    }
}
