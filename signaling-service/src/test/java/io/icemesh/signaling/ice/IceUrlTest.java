package io.icemesh.signaling.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class IceUrlTest {

    @Test
    void parsesTheFourSchemesWithTheirDefaults() {
        assertEquals(new IceUrl("stun:a.example:19302", "stun", "a.example", 19302, null),
                IceUrl.parse("stun:a.example:19302"));
        assertEquals(3478, IceUrl.parse("turn:h").port());
        assertEquals("udp", IceUrl.parse("turn:h").transport());
        assertEquals("tcp", IceUrl.parse("turn:h:80?transport=tcp").transport());
        assertEquals(5349, IceUrl.parse("turns:h").port());
        assertEquals("tls", IceUrl.parse("turns:h?transport=tcp").transport());
        assertEquals("::1", IceUrl.parse("stun:[::1]:3478").host());
        assertEquals("[::1]:3478", IceUrl.parse("stun:[::1]:3478").endpoint());
    }

    @Test
    void refusesWhatIsNotAnIceUrl() {
        assertNull(IceUrl.parse("http://x"));
        assertNull(IceUrl.parse("stun:"));
        assertNull(IceUrl.parse("stun:h:70000"));
        assertNull(IceUrl.parse("stun:h?transport=udp"));
        assertNull(IceUrl.parse("turn:h?transport=sctp"));
        assertNull(IceUrl.parse("turn:user@h"));
        assertNull(IceUrl.parse(null));
    }
}
