package io.icemesh.turn.auth;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless nonces (RFC 8489 Section 9.2): {@code cookie + timestamp + HMAC(key, timestamp, client IP)}. The server
 * keeps no state per nonce, so unauthenticated requests cost no memory; a nonce is valid for a lifetime from the
 * client address it was given to. The prefix is the RFC 8489 Section 9.2 nonce cookie with the "Password algorithms"
 * security feature bit set, which tells RFC 8489 clients that PASSWORD-ALGORITHMS is offered.
 */
public final class NonceService {

    /** "obMatJos2" then the 24 security feature bits in base64; 0x800000 is the Password algorithms bit. */
    public static final String COOKIE = "obMatJos2gAAA";
    /** Hex digits of the issue timestamp (Unix seconds, 32 bits). */
    private static final int TIMESTAMP_HEX = 8;
    /** Bytes of the HMAC kept in the nonce (80 bits: forging one takes 2^80 tries). */
    private static final int MAC_BYTES = 10;
    /** Length of the HMAC key, random per process. */
    private static final int KEY_BYTES = 32;
    /** The whole nonce length. */
    public static final int LENGTH = COOKIE.length() + TIMESTAMP_HEX + 2 * MAC_BYTES;

    /** The result of checking a nonce. */
    public enum Validity { VALID, STALE, INVALID }

    private static final HexFormat HEX = HexFormat.of();
    private final SecretKeySpec key;
    private final long lifetimeSeconds;

    public NonceService(long lifetimeSeconds) {
        byte[] k = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
        this.lifetimeSeconds = lifetimeSeconds;
    }

    /** A nonce for a client address at {@code nowSeconds}. */
    public String issue(InetAddress client, long nowSeconds) {
        String timestamp = HEX.toHexDigits((int) nowSeconds);
        return COOKIE + timestamp + HEX.formatHex(mac(timestamp, client));
    }

    /** Checks a nonce received from a client address. */
    public Validity check(String nonce, InetAddress client, long nowSeconds) {
        if (nonce == null || nonce.length() != LENGTH || !nonce.startsWith(COOKIE)) {
            return Validity.INVALID;
        }
        String timestamp = nonce.substring(COOKIE.length(), COOKIE.length() + TIMESTAMP_HEX);
        byte[] given;
        long issued;
        try {
            issued = Integer.toUnsignedLong(HEX.fromHexDigits(timestamp));
            given = HEX.parseHex(nonce, COOKIE.length() + TIMESTAMP_HEX, LENGTH);
        } catch (IllegalArgumentException e) {
            return Validity.INVALID;
        }
        if (!MessageDigest.isEqual(given, mac(timestamp, client))) {
            return Validity.INVALID;
        }
        long age = (nowSeconds & 0xFFFFFFFFL) - issued;
        return age >= 0 && age <= lifetimeSeconds ? Validity.VALID : Validity.STALE;
    }

    private byte[] mac(String timestamp, InetAddress client) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update(client.getAddress());
            byte[] full = mac.doFinal();
            return Arrays.copyOf(full, MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
        }
    }
}
