package io.icemesh.turn.auth;

import io.icemesh.stun.Crypto;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless nonces (RFC 8489 Section 9.2): {@code cookie + base64url(timestamp, HMAC(key, timestamp, client IP))}. The server
 * keeps no state per nonce, so unauthenticated requests cost no memory; a nonce is valid for a lifetime from the
 * client address it was given to. The prefix is the RFC 8489 Section 9.2 nonce cookie with the "Password algorithms"
 * security feature bit set, which tells RFC 8489 clients that PASSWORD-ALGORITHMS is offered.
 */
public final class NonceService {

    /** "obMatJos2" then the 24 security feature bits in base64; 0x800000 is the Password algorithms bit. */
    public static final String COOKIE = "obMatJos2gAAA";
    /** Bytes of the issue timestamp (Unix seconds, 32 bits). */
    private static final int TIMESTAMP_BYTES = 4;
    /**
     * Bytes of the HMAC kept in the nonce. 48 bits make an online guess hopeless within a nonce lifetime, and keep
     * the 401 answer no larger than coturn's (the nonce only proves the client saw our answer; the password is the
     * real check).
     */
    private static final int MAC_BYTES = 6;
    /** Length of the HMAC key, random per process. */
    private static final int KEY_BYTES = 32;
    /** The whole nonce length. */
    public static final int LENGTH = COOKIE.length() + ((TIMESTAMP_BYTES + MAC_BYTES) * 4 + 2) / 3;

    /** The result of checking a nonce. */
    public enum Validity { VALID, STALE, INVALID }

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
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
        byte[] body = new byte[TIMESTAMP_BYTES + MAC_BYTES];
        int timestamp = (int) nowSeconds;
        for (int i = 0; i < TIMESTAMP_BYTES; i++) {
            body[i] = (byte) (timestamp >>> (24 - 8 * i));
        }
        System.arraycopy(mac(body, client), 0, body, TIMESTAMP_BYTES, MAC_BYTES);
        return COOKIE + ENCODER.encodeToString(body);
    }

    /** Checks a nonce received from a client address. */
    public Validity check(String nonce, InetAddress client, long nowSeconds) {
        if (nonce == null || nonce.length() != LENGTH || !nonce.startsWith(COOKIE)) {
            return Validity.INVALID;
        }
        byte[] body;
        try {
            body = DECODER.decode(nonce.substring(COOKIE.length()));
        } catch (IllegalArgumentException e) {
            return Validity.INVALID;
        }
        if (body.length != TIMESTAMP_BYTES + MAC_BYTES) {
            return Validity.INVALID;
        }
        byte[] given = Arrays.copyOfRange(body, TIMESTAMP_BYTES, body.length);
        if (!MessageDigest.isEqual(given, mac(body, client))) {
            return Validity.INVALID;
        }
        long issued = ((body[0] & 0xFFL) << 24) | ((body[1] & 0xFFL) << 16) | ((body[2] & 0xFFL) << 8) | (body[3] & 0xFFL);
        long age = (nowSeconds & 0xFFFFFFFFL) - issued;
        return age >= 0 && age <= lifetimeSeconds ? Validity.VALID : Validity.STALE;
    }

    private byte[] mac(byte[] body, InetAddress client) {
        try {
            Mac mac = Crypto.mac("HmacSHA256");
            mac.init(key);
            mac.update(body, 0, TIMESTAMP_BYTES);
            mac.update(client.getAddress());
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
        }
    }
}
