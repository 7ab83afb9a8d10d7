package io.icemesh.stun;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parsesLiteralsOnlyAndRefusesBadLengths() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::/129"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0/8"));
    }

    @Test
    void containsWithinItsFamilyOnly() {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertTrue(ten.contains(new byte[] {10, 9, 9, 9}));
        assertFalse(ten.contains(new byte[] {11, 0, 0, 0}));
        assertFalse(ten.contains(new byte[16]), "an IPv6 address is never inside an IPv4 prefix");
        Cidr host = Cidr.parse(" 127.0.0.1 ");
        assertTrue(host.contains(new byte[] {127, 0, 0, 1}));
        assertFalse(host.contains(new byte[] {127, 0, 0, 2}));
        Cidr linkLocal = Cidr.parse("fe80::/10");
        byte[] fe80 = new byte[16];
        fe80[0] = (byte) 0xFE;
        fe80[1] = (byte) 0xBF;
        assertTrue(linkLocal.contains(fe80));
        fe80[1] = (byte) 0xC0;
        assertFalse(linkLocal.contains(fe80));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(new byte[] {(byte) 203, 0, 113, 7}));
    }

    @Test
    void anIpv4PrefixWrittenInIpv6FormStaysIpv6() {
        Cidr mapped = Cidr.parse("::ffff:10.0.0.0/104");
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xFF;
        v6[11] = (byte) 0xFF;
        v6[12] = 10;
        v6[15] = 7;
        assertTrue(mapped.contains(v6));
        assertFalse(mapped.contains(new byte[] {10, 0, 0, 7}));
    }
}
