package io.icemesh.signaling;

import io.icemesh.signaling.auth.RoomMode;
import io.icemesh.signaling.auth.RoomTokens;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/** Mints room tokens with the test profile's key, the way an application backend would. */
final class TestTokens {

    /** The key in the test profile of application.properties. */
    static final String KEY = "test-only-jwt-key-0123456789abcdef0123456789";

    static final RoomTokens TOKENS = new RoomTokens(KEY, "icemesh", Duration.ofSeconds(30), Clock.systemUTC());

    private TestTokens() {
    }

    static String forRoom(String room) {
        return TOKENS.mint("tester", room, RoomMode.P2P, UUID.randomUUID().toString(), Duration.ofMinutes(5));
    }

    static String joinMessage(String room) {
        return "{\"type\":\"join\",\"token\":\"" + forRoom(room) + "\"}";
    }

    /** A join message that also asks for early relay (docs/signaling-protocol.md, "Early relay"). */
    static String withEarlyRelay(String join) {
        return join.replaceFirst("\\{", "{\"earlyRelay\":true,");
    }

    /** A join for session {@code sessionId} (the token's sid claim). */
    static String joinMessage(String room, String sessionId) {
        return "{\"type\":\"join\",\"token\":\"" + TOKENS.mint("tester", room, RoomMode.P2P, sessionId,
                Duration.ofMinutes(5)) + "\"}";
    }

    /** A join message that carries an offer for the first peer (docs/signaling-protocol.md, "Offer with the join"). */
    static String withOffer(String join, String sdp) {
        return join.replaceFirst("\\{", "{\"offer\":\"" + sdp + "\",");
    }

    static String uniqueRoom(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
