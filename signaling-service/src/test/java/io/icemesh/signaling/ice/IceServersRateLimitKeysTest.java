package io.icemesh.signaling.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomToken;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IceServersRateLimitKeysTest {

    private static final Instant EXP = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void aTokenWithASessionIdCountsForThatSession() {
        RoomToken token = new RoomToken("u", "r", RoomMode.P2P, "session-1234", EXP);
        assertEquals("sid:session-1234", IceServersRateLimit.sessionKey(token, "first.raw.token"));
        assertEquals("sid:session-1234", IceServersRateLimit.sessionKey(token, "second.raw.token"),
                "two tokens for one session share its budget");
    }

    @Test
    void aTokenWithoutASessionIdCountsByItsHashNotItsText() {
        RoomToken token = new RoomToken("u", "r", RoomMode.P2P, null, EXP);
        String key = IceServersRateLimit.sessionKey(token, "header.claims.signature");
        assertEquals(key, IceServersRateLimit.sessionKey(token, "header.claims.signature"));
        assertNotEquals(key, IceServersRateLimit.sessionKey(token, "header.claims.other"));
        assertFalse(key.contains("signature"), "the bearer token is not kept: " + key);
    }

    @Test
    void anIpv4AddressCountsAloneAndIpv6ByItsSlash64() {
        assertEquals("192.0.2.7", IceServersRateLimit.sourceKey("192.0.2.7"));
        assertEquals("192.0.2.7", IceServersRateLimit.sourceKey("::ffff:192.0.2.7"), "IPv4-mapped is IPv4");
        String one = IceServersRateLimit.sourceKey("2001:db8:1:2:3:4:5:6");
        assertEquals("2001:db8:1:2:0:0:0:0/64", one);
        assertEquals(one, IceServersRateLimit.sourceKey("2001:db8:1:2:ffff::1"), "same /64, same budget");
        assertNotEquals(one, IceServersRateLimit.sourceKey("2001:db8:1:3::1"), "another /64");
    }
}
