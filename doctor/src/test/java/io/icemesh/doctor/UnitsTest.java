package io.icemesh.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts that need no server: URL parsing, JSON, the retransmission schedule, name matching, NAT judgement. */
class UnitsTest {

    @Test
    void urlsParseAsClientsReadThem() {
        IceServerUrl u = IceServerUrl.parse("turn:turn.example.com?transport=tcp");
        assertEquals("turn.example.com", u.host());
        assertEquals(3478, u.port());
        assertEquals(IceServerUrl.Transport.TCP, u.transport());
        assertEquals(IceServerUrl.Transport.TLS, IceServerUrl.parse("turns:x").transport());
        assertEquals(5349, IceServerUrl.parse("turns:x").port());
        assertEquals(IceServerUrl.Transport.UDP, IceServerUrl.parse("turn:x:1").transport());
        IceServerUrl v6 = IceServerUrl.parse("stun:[::1]:19302");
        assertEquals("::1", v6.host());
        assertEquals(19302, v6.port());
        assertThrows(IceServerUrl.MalformedUrlException.class, () -> IceServerUrl.parse("stun:::1"));
        assertThrows(IceServerUrl.MalformedUrlException.class, () -> IceServerUrl.parse("http://x"));
        assertThrows(IceServerUrl.MalformedUrlException.class, () -> IceServerUrl.parse("stun:x:70000"));
        assertThrows(IceServerUrl.MalformedUrlException.class, () -> IceServerUrl.parse("turn:x?transport=sctp"));
        assertThrows(IceServerUrl.MalformedUrlException.class, () -> IceServerUrl.parse("stun:x?transport=udp"));
    }

    @Test
    void jsonReadsWhatItWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("urls", List.of("stun:a", "turn:b?transport=udp"));
        m.put("username", "1:u \"q\"\n");
        m.put("n", 1.5);
        m.put("none", null);
        assertEquals(m, Json.parse(Json.write(m)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
    }

    @Test
    void scheduleSendsAtZeroHalfAndOneAndAHalfSecondsThenWaitsTwo() {
        Exchange.Schedule s = Exchange.Schedule.DEFAULT;
        assertEquals(List.of(0L, 500L, 1500L), List.of(s.sendAt(0), s.sendAt(1), s.sendAt(2)));
        assertEquals(3500, s.giveUpAt());
    }

    @Test
    void certificateNamesMatchLikeRfc6125() {
        assertTrue(Tls.matches("turn.example.com", List.of("*.example.com")));
        assertFalse(Tls.matches("a.b.example.com", List.of("*.example.com")));
        assertFalse(Tls.matches("example.com", List.of("*.example.com")));
        assertTrue(Tls.matches("127.0.0.1", List.of("other", "127.0.0.1")));
        assertFalse(Tls.matches("127.0.0.1", List.of("localhost")));
    }

    @Test
    void natMappingIsToldFromMappedAddresses() {
        InetSocketAddress local = new InetSocketAddress("0.0.0.0", 5000);
        InetSocketAddress s1 = new InetSocketAddress("192.0.2.1", 3478);
        InetSocketAddress s2 = new InetSocketAddress("198.51.100.1", 3478);
        assertEquals(Nat.Mapping.ENDPOINT_DEPENDENT, Nat.judge(local, Map.of(s1,
                new InetSocketAddress("203.0.113.5", 40000), s2, new InetSocketAddress("203.0.113.5", 40001)))
                .mapping());
        assertEquals(Nat.Mapping.ENDPOINT_INDEPENDENT, Nat.judge(local, Map.of(s1,
                new InetSocketAddress("203.0.113.5", 40000), s2, new InetSocketAddress("203.0.113.5", 40000)))
                .mapping());
        assertEquals(Nat.Mapping.UNKNOWN, Nat.judge(local, Map.of(s1, new InetSocketAddress("203.0.113.5", 1)))
                .mapping());
        InetSocketAddress s1OtherPort = new InetSocketAddress("192.0.2.1", 3479);
        assertEquals(Nat.Mapping.NOT_PORT_DEPENDENT, Nat.judge(local, Map.of(s1,
                new InetSocketAddress("203.0.113.5", 40000), s1OtherPort, new InetSocketAddress("203.0.113.5", 40000)))
                .mapping(), "two ports of one address cannot show that the mapping ignores the address");
        assertEquals(Nat.Mapping.ENDPOINT_DEPENDENT, Nat.judge(local, Map.of(s1,
                new InetSocketAddress("203.0.113.5", 40000), s1OtherPort, new InetSocketAddress("203.0.113.5", 40001)))
                .mapping(), "but a different port per destination port shows dependence");
    }
}
