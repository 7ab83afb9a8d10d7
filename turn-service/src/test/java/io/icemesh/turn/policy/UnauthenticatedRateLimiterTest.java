package io.icemesh.turn.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class UnauthenticatedRateLimiterTest {

    private static final long NOW = 1_000_000_000_000L;

    @Test
    void oneFloodingPortSpendsOnlyItsOwnShare() {
        UnauthenticatedRateLimiter limiter = new UnauthenticatedRateLimiter(50, 100, 5, 10);
        InetSocketAddress flooder = new InetSocketAddress("192.0.2.1", 40000);
        int answered = 0;
        for (int i = 0; i < 10_000; i++) {
            if (limiter.allow(flooder, NOW)) {
                answered++;
            }
        }
        assertTrue(answered == 10, "the flooding port gets its burst only: " + answered);
        assertTrue(limiter.allow(new InetSocketAddress("192.0.2.1", 40001), NOW),
                "another client behind the same address is still answered");
    }

    @Test
    void theAddressBudgetBoundsEveryPortTogether() {
        UnauthenticatedRateLimiter limiter = new UnauthenticatedRateLimiter(50, 100, 5, 10);
        int answered = 0;
        for (int port = 1; port <= 1_000; port++) {
            for (int i = 0; i < 10; i++) {
                if (limiter.allow(new InetSocketAddress("192.0.2.1", port), NOW)) {
                    answered++;
                }
            }
        }
        assertTrue(answered == 100, "a spoofer rotating ports gets the address's burst, no more: " + answered);
        assertFalse(limiter.allow(new InetSocketAddress("192.0.2.1", 5_000), NOW));
        assertTrue(limiter.allow(new InetSocketAddress("192.0.2.2", 5_000), NOW), "other addresses are not affected");
        assertTrue(limiter.allow(new InetSocketAddress("192.0.2.1", 5_000), NOW + 100_000_000L),
                "the address's budget refills at its rate");
    }

    @Test
    void anIpv6SourceCountsByItsSlash64() {
        UnauthenticatedRateLimiter limiter = new UnauthenticatedRateLimiter(50, 100, 5, 10);
        int answered = 0;
        for (int host = 1; host <= 1_000; host++) {
            if (limiter.allow(new InetSocketAddress("2001:db8:1:2::" + Integer.toHexString(host), 5000), NOW)) {
                answered++;
            }
        }
        assertTrue(answered == 100, "addresses rotated within one /64 share its budget: " + answered);
        assertTrue(limiter.allow(new InetSocketAddress("2001:db8:1:3::1", 5000), NOW), "another /64 has its own");
    }

    @Test
    void aFullPortTableLimitsNewPortsByTheirAddressOnly() {
        UnauthenticatedRateLimiter limiter = new UnauthenticatedRateLimiter(1_000_000, 1_000_000, 5, 10);
        for (int i = 0; i < UnauthenticatedRateLimiter.MAX_TRACKED_SOURCES; i++) {
            limiter.allow(new InetSocketAddress("192.0.2." + (i / 60_000 + 1), i % 60_000 + 1), NOW);
        }
        int answered = 0;
        for (int i = 0; i < 200; i++) {
            if (limiter.allow(new InetSocketAddress("198.51.100." + (i % 200 + 1), 40_000), NOW)) {
                answered++;
            }
        }
        assertTrue(answered == 200, "new clients are not squeezed into one overflow bucket: " + answered);
    }
}
