package io.icemesh.media.srtp;

import org.jitsi.srtp.SrtpPolicy;

/** The DTLS-SRTP protection profiles this SFU negotiates (RFC 5764 section 4.1.2, RFC 7714 section 14.2). */
public enum SrtpProfile {
    /** SRTP_AEAD_AES_128_GCM (0x0007): 128-bit key, 96-bit salt, 16-byte tag (RFC 7714). */
    AEAD_AES_128_GCM(0x0007, 16, 12, 16),
    /** SRTP_AES128_CM_HMAC_SHA1_80 (0x0001): 128-bit key, 112-bit salt, 80-bit tag (RFC 5764, RFC 3711). */
    AES_CM_128_HMAC_SHA1_80(0x0001, 16, 14, 10);

    /** The HMAC-SHA1 key length of RFC 3711 section 8.2. */
    private static final int HMAC_SHA1_KEY = 20;

    private final int id;
    private final int keyLength;
    private final int saltLength;
    private final int tagLength;

    SrtpProfile(int id, int keyLength, int saltLength, int tagLength) {
        this.id = id;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
        this.tagLength = tagLength;
    }

    /** The SRTPProtectionProfile value in the use_srtp extension. */
    public int id() {
        return id;
    }

    public int keyLength() {
        return keyLength;
    }

    public int saltLength() {
        return saltLength;
    }

    /** Bytes SRTP adds to an RTP packet; SRTCP adds these plus the 4-byte index. */
    public int tagLength() {
        return tagLength;
    }

    /** Bytes of keying material to export (RFC 5764 section 4.2): two keys and two salts. */
    public int keyingMaterialLength() {
        return 2 * (keyLength + saltLength);
    }

    /** The jitsi-srtp policy for SRTP and SRTCP under this profile. */
    public SrtpPolicy policy() {
        if (this == AEAD_AES_128_GCM) {
            return new SrtpPolicy(SrtpPolicy.AESGCM_ENCRYPTION, keyLength, SrtpPolicy.NULL_AUTHENTICATION, 0,
                    tagLength, saltLength);
        }
        return new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, keyLength, SrtpPolicy.HMACSHA1_AUTHENTICATION,
                HMAC_SHA1_KEY, tagLength, saltLength);
    }

    /** The profile with this use_srtp id, or null. */
    public static SrtpProfile byId(int id) {
        for (SrtpProfile p : values()) {
            if (p.id == id) {
                return p;
            }
        }
        return null;
    }
}
