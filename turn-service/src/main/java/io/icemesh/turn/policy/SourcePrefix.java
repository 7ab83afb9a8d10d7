package io.icemesh.turn.policy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The key per-source limits count a client address under: an IPv4 address itself, an IPv6 address's /64. One IPv6
 * host usually holds a whole /64 (RFC 4291 Section 2.5.1; SLAAC and privacy addresses pick from it freely), so
 * counting each of its addresses apart would give a single host 2^64 sources.
 */
public final class SourcePrefix {

    /** Bytes of an IPv6 address that name its /64. */
    private static final int IPV6_PREFIX_BYTES = 8;

    private SourcePrefix() {
    }

    /** The address to count {@code address} under. */
    public static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        Arrays.fill(bytes, IPV6_PREFIX_BYTES, bytes.length, (byte) 0);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }
}
