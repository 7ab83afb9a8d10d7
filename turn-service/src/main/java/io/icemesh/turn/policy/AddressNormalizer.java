package io.icemesh.turn.policy;

/**
 * Normalises peer addresses before the ACL sees them, so an IPv4 destination cannot hide in an IPv6 form:
 * IPv4-mapped ({@code ::ffff:a.b.c.d}, RFC 4291 Section 2.5.5.2), IPv4-compatible ({@code ::a.b.c.d},
 * Section 2.5.5.1, deprecated) and IPv4-translated ({@code ::ffff:0:a.b.c.d}, RFC 2765 Section 2.1, used by SIIT)
 * addresses become their IPv4 address. {@code ::} and {@code ::1} stay IPv6.
 */
public final class AddressNormalizer {

    private static final int MAPPED_PREFIX_ZEROS = 10;

    private AddressNormalizer() {
    }

    /** The address to check: 4 bytes for any IPv4 form, else the 16 IPv6 bytes. */
    public static byte[] normalize(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        if (isTranslated(address)) {
            return new byte[] {address[12], address[13], address[14], address[15]};
        }
        for (int i = 0; i < MAPPED_PREFIX_ZEROS; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        boolean mapped = address[10] == (byte) 0xFF && address[11] == (byte) 0xFF;
        boolean compatible = address[10] == 0 && address[11] == 0;
        if (compatible) {
            boolean unspecifiedOrLoopback = address[12] == 0 && address[13] == 0 && address[14] == 0
                    && (address[15] == 0 || address[15] == 1);
            if (unspecifiedOrLoopback) {
                return address;
            }
        }
        if (!mapped && !compatible) {
            return address;
        }
        return new byte[] {address[12], address[13], address[14], address[15]};
    }

    /** {@code ::ffff:0:0:0/96}: eight zero bytes, 0xFFFF, two zero bytes, then the IPv4 address. */
    private static boolean isTranslated(byte[] address) {
        for (int i = 0; i < 8; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[8] == (byte) 0xFF && address[9] == (byte) 0xFF && address[10] == 0 && address[11] == 0;
    }
}
