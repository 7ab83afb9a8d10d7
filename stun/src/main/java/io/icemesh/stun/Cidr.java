package io.icemesh.stun;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix such as {@code 10.0.0.0/8} or {@code fe80::/10}, parsed from an IP literal only (never a
 * name to resolve). The one CIDR parser of icemesh: turn-service's peer address policy and media-service's allowed
 * peer networks use it.
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * Parses {@code address[/length]} (an address alone is a host prefix). Only IP literals are accepted, so parsing
     * never resolves names.
     *
     * @throws IllegalArgumentException when the text is not a literal prefix
     */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addressText = slash < 0 ? t : t.substring(0, slash);
        if (!isLiteral(addressText)) {
            throw new IllegalArgumentException("not an IP prefix: " + text);
        }
        byte[] address;
        try {
            address = InetAddress.getByName(addressText).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP prefix: " + text, e);
        }
        if (addressText.contains(":") && address.length == 4) { // ::ffff:a.b.c.d stays an IPv6 prefix
            address = ipv4Mapped(address);
        }
        int length;
        try {
            length = slash < 0 ? address.length * 8 : Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length: " + text, e);
        }
        if (length < 0 || length > address.length * 8) {
            throw new IllegalArgumentException("bad prefix length: " + text);
        }
        return new Cidr(mask(address, length), length, t);
    }

    /** True when {@code address} (4 or 16 bytes) is inside this prefix; families never match each other. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & m) == (network[full] & m);
    }

    @Override
    public String toString() {
        return text;
    }

    private static boolean isLiteral(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.'
                    || c == ':';
            if (!ok) {
                return false;
            }
        }
        return s.contains(":") || s.chars().filter(ch -> ch == '.').count() == 3;
    }

    /** The IPv4-mapped IPv6 form {@code ::ffff:a.b.c.d} of a 4-byte address. */
    public static byte[] ipv4Mapped(byte[] ipv4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(ipv4, 0, out, 12, 4);
        return out;
    }

    private static byte[] mask(byte[] address, int length) {
        byte[] out = address.clone();
        for (int bit = length; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        return out;
    }
}
