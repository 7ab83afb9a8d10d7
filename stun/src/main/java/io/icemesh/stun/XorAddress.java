package io.icemesh.stun;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS values (RFC 8489 Section 14.2, RFC 8656 Sections
 * 18.3 and 18.5): family, port XOR the cookie's top half, address XOR the cookie (and the transaction id for IPv6).
 */
public final class XorAddress {

    /** Address family IPv4 (RFC 8489 Section 14.1). */
    public static final int FAMILY_IPV4 = 0x01;
    /** Address family IPv6. */
    public static final int FAMILY_IPV6 = 0x02;
    /** Encoded length of an IPv4 value. */
    public static final int IPV4_VALUE_LENGTH = 8;
    /** Encoded length of an IPv6 value. */
    public static final int IPV6_VALUE_LENGTH = 20;

    private static final byte[] COOKIE = {0x21, 0x12, (byte) 0xA4, 0x42};

    private XorAddress() {
    }

    /** Encodes an address with the message's transaction id. */
    public static byte[] encode(InetSocketAddress address, byte[] transactionId) {
        byte[] ip = address.getAddress().getAddress();
        byte[] value = new byte[4 + ip.length];
        value[1] = (byte) (ip.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6);
        int port = address.getPort() ^ (StunMessage.MAGIC_COOKIE >>> 16);
        value[2] = (byte) (port >> 8);
        value[3] = (byte) port;
        for (int i = 0; i < ip.length; i++) {
            value[4 + i] = (byte) (ip[i] ^ maskByte(i, transactionId));
        }
        return value;
    }

    /**
     * Decodes the value of an XOR address attribute of a message; null when it is absent or malformed.
     */
    public static InetSocketAddress decode(StunMessage message, int attributeType) {
        int i = message.indexOf(attributeType);
        if (i < 0) {
            return null;
        }
        return decode(message.bytes(), message.valueOffset(i), message.valueLength(i), message.bytes(), 8);
    }

    /** Decodes a value at {@code offset}; the transaction id is read from {@code txBytes} at {@code txOffset}. */
    public static InetSocketAddress decode(byte[] b, int offset, int length, byte[] txBytes, int txOffset) {
        if (length < 4) {
            return null;
        }
        int family = b[offset + 1] & 0xFF;
        int ipLength;
        if (family == FAMILY_IPV4 && length == IPV4_VALUE_LENGTH) {
            ipLength = 4;
        } else if (family == FAMILY_IPV6 && length == IPV6_VALUE_LENGTH) {
            ipLength = 16;
        } else {
            return null;
        }
        int port = (((b[offset + 2] & 0xFF) << 8) | (b[offset + 3] & 0xFF)) ^ (StunMessage.MAGIC_COOKIE >>> 16);
        byte[] ip = new byte[ipLength];
        for (int k = 0; k < ipLength; k++) {
            byte mask = k < 4 ? COOKIE[k] : txBytes[txOffset + k - 4];
            ip[k] = (byte) (b[offset + 4 + k] ^ mask);
        }
        try {
            InetAddress address = ipLength == 4 ? Inet4Address.getByAddress(ip) : Inet6Address.getByAddress(null, ip, -1);
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte maskByte(int i, byte[] transactionId) {
        return i < 4 ? COOKIE[i] : transactionId[i - 4];
    }
}
