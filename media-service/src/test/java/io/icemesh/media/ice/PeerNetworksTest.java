package io.icemesh.media.ice;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerNetworksTest {

    @Test
    void blocksOfBothFamiliesAndHosts() throws Exception {
        PeerNetworks p = PeerNetworks.parse(List.of("127.0.0.0/8", " ::1/128 ", "", "203.0.113.7"));
        assertTrue(p.allows(InetAddress.getByName("127.4.5.6")));
        assertTrue(p.allows(InetAddress.getByName("::1")));
        assertTrue(p.allows(InetAddress.getByName("203.0.113.7")));
        assertFalse(p.allows(InetAddress.getByName("203.0.113.8")));
        assertFalse(p.allows(InetAddress.getByName("10.0.0.1")));
        assertFalse(p.allows(null));
    }

    @Test
    void anIpv4AddressMatchesABlockWrittenInMappedForm() throws Exception {
        PeerNetworks p = PeerNetworks.parse(List.of("::ffff:10.0.0.0/104"));
        assertTrue(p.allows(InetAddress.getByName("10.1.2.3")), "ice4j hands IPv4 peers over as 4-byte addresses");
        assertFalse(p.allows(InetAddress.getByName("11.1.2.3")));
    }

    @Test
    void namesAreRefusedNotResolved() {
        assertThrows(IllegalArgumentException.class, () -> PeerNetworks.parse(List.of("localhost")));
        assertThrows(IllegalArgumentException.class, () -> PeerNetworks.parse(List.of("media.example/24")));
        assertThrows(IllegalArgumentException.class, () -> PeerNetworks.parse(List.of("10.0.0.0/40")));
    }
}
