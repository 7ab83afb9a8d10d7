package io.icemesh.stun;

/**
 * STUN attribute types used by this server (RFC 8489 Section 18.3, RFC 8656 Section 18).
 * Types below 0x8000 are comprehension-required (RFC 8489 Section 14).
 */
public final class StunAttributeType {

    public static final int MAPPED_ADDRESS = 0x0001;
    public static final int USERNAME = 0x0006;
    public static final int MESSAGE_INTEGRITY = 0x0008;
    public static final int ERROR_CODE = 0x0009;
    public static final int UNKNOWN_ATTRIBUTES = 0x000A;
    public static final int CHANNEL_NUMBER = 0x000C;
    public static final int LIFETIME = 0x000D;
    public static final int XOR_PEER_ADDRESS = 0x0012;
    public static final int DATA = 0x0013;
    public static final int REALM = 0x0014;
    public static final int NONCE = 0x0015;
    public static final int XOR_RELAYED_ADDRESS = 0x0016;
    public static final int REQUESTED_ADDRESS_FAMILY = 0x0017;
    public static final int EVEN_PORT = 0x0018;
    public static final int REQUESTED_TRANSPORT = 0x0019;
    public static final int DONT_FRAGMENT = 0x001A;
    public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
    public static final int PASSWORD_ALGORITHM = 0x001D;
    public static final int USERHASH = 0x001E;
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    public static final int RESERVATION_TOKEN = 0x0022;
    public static final int PRIORITY = 0x0024;
    public static final int USE_CANDIDATE = 0x0025;
    public static final int PADDING = 0x0026;
    public static final int RESPONSE_PORT = 0x0027;
    public static final int CONNECTION_ID = 0x002A;
    public static final int ADDITIONAL_ADDRESS_FAMILY = 0x8000;
    public static final int ADDRESS_ERROR_CODE = 0x8001;
    public static final int PASSWORD_ALGORITHMS = 0x8002;
    public static final int ALTERNATE_DOMAIN = 0x8003;
    public static final int ICMP = 0x8004;
    public static final int SOFTWARE = 0x8022;
    public static final int ALTERNATE_SERVER = 0x8023;
    public static final int FINGERPRINT = 0x8028;
    public static final int ICE_CONTROLLED = 0x8029;
    public static final int ICE_CONTROLLING = 0x802A;
    public static final int RESPONSE_ORIGIN = 0x802B;
    public static final int OTHER_ADDRESS = 0x802C;

    private StunAttributeType() {
    }

    /** True for comprehension-required attributes (RFC 8489 Section 14: 0x0000-0x7FFF). */
    public static boolean isComprehensionRequired(int type) {
        return type < 0x8000;
    }

    /** True for the comprehension-required attributes this server understands. */
    public static boolean isKnownRequired(int type) {
        return switch (type) {
            case MAPPED_ADDRESS, USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, UNKNOWN_ATTRIBUTES, CHANNEL_NUMBER,
                    LIFETIME, XOR_PEER_ADDRESS, DATA, REALM, NONCE, XOR_RELAYED_ADDRESS, REQUESTED_ADDRESS_FAMILY,
                    EVEN_PORT, REQUESTED_TRANSPORT, DONT_FRAGMENT, MESSAGE_INTEGRITY_SHA256, PASSWORD_ALGORITHM,
                    USERHASH, XOR_MAPPED_ADDRESS, RESERVATION_TOKEN, PRIORITY, USE_CANDIDATE, PADDING,
                    RESPONSE_PORT, CONNECTION_ID -> true;
            default -> false;
        };
    }
}
