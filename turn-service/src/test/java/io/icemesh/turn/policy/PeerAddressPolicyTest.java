package io.icemesh.turn.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerAddressPolicyTest {

    private final PeerAddressPolicy defaults = new PeerAddressPolicy(List.of(), List.of(), false);

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "::127.0.0.1", "0.0.0.0", "::",
            "10.0.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1", "169.254.169.254", "fe80::1", "fc00::1",
            "fd12:3456::1", "224.0.0.1", "ff02::1", "255.255.255.255", "240.0.0.1", "192.0.2.1", "198.51.100.7",
            "203.0.113.9", "2001:db8::1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:0:4136:e378::1",
            "198.18.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::a00:1", "fec0::1", "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1", "::ffff:0:169.254.169.254", "::ffff:0:0.0.0.0", "::ffff:0:224.0.0.1"})
    void refusesInternalAndSpecialPeers(String address) throws Exception {
        assertFalse(defaults.permits(ip(address)), address + " must be refused by default");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "93.184.216.34"})
    void permitsPublicPeers(String address) throws Exception {
        assertTrue(defaults.permits(ip(address)), address + " is public");
    }

    @Test
    void loopbackOnlyWhenConfigured() throws Exception {
        PeerAddressPolicy loop = new PeerAddressPolicy(List.of(), List.of(), true);
        assertTrue(loop.permits(ip("127.0.0.1")));
        assertTrue(loop.permits(ip("::ffff:127.0.0.1")));
        assertTrue(loop.permits(ip("::1")));
        assertFalse(loop.permits(ip("10.0.0.1")), "allowing loopback must not open private ranges");
        assertFalse(loop.permits(ip("169.254.169.254")));
    }

    @Test
    void allowListWinsOverDenyList() throws Exception {
        PeerAddressPolicy p = new PeerAddressPolicy(List.of("10.1.0.0/16"), List.of("8.8.8.0/24"), false);
        assertTrue(p.permits(ip("10.1.2.3")));
        assertFalse(p.permits(ip("10.2.0.1")));
        assertFalse(p.permits(ip("8.8.8.8")), "configured deny applies");
        assertTrue(p.permits(ip("8.8.4.4")));
    }

    @Test
    void normalisesMappedCompatibleAndTranslatedForms() {
        byte[] v4 = {(byte) 192, (byte) 168, 0, 1};
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, (byte) 168, 0, 1};
        byte[] compatible = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 192, (byte) 168, 0, 1};
        assertArrayEquals(v4, AddressNormalizer.normalize(mapped));
        assertArrayEquals(v4, AddressNormalizer.normalize(compatible));
        byte[] translated = {0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, (byte) 192, (byte) 168, 0, 1};
        assertArrayEquals(v4, AddressNormalizer.normalize(translated), "RFC 2765 ::ffff:0:a.b.c.d");
        byte[] loopback6 = new byte[16];
        loopback6[15] = 1;
        assertArrayEquals(loopback6, AddressNormalizer.normalize(loopback6));
    }
}
