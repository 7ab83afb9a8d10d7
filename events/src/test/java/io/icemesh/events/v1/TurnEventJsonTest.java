package io.icemesh.events.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TurnEventJson} writes the same bytes as {@link EventSerializer}, and monitor's reader gets the event back. */
class TurnEventJsonTest {

    private final EventSerializer reference = new EventSerializer();
    private final EventDeserializer.TurnEvents reader = new EventDeserializer.TurnEvents();

    @Test
    void writesAnEventWithEveryFieldAsEventSerializerDoes() {
        assertSameBytesAndReadBack(new TurnEvent(EventSchema.VERSION, TurnEventType.ALLOCATION_DELETED, "turn-1",
                "alloc-1", "1700000000:session-1", "session-1", "192.0.2.1:50000", "udp", "198.51.100.7:49152",
                "203.0.113.9", "deleted", 10L, 2_000L, 30L, 4_000_000_000L, 1_700_000_000_123L));
    }

    @Test
    void leavesOutNullFieldsAsEventSerializerDoes() {
        assertSameBytesAndReadBack(new TurnEvent(EventSchema.VERSION, TurnEventType.AUTH_FAILED, "turn-1", null,
                null, null, "[2001:db8::1]:3478", "tcp", null, null, "unknown_user", null, null, null, null, 0));
        assertSameBytes(new TurnEvent(0, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, -1));
    }

    @Test
    void writesZeroNegativeAndExtremeNumbersAsEventSerializerDoes() {
        assertSameBytes(new TurnEvent(Integer.MIN_VALUE, TurnEventType.TRAFFIC, "n", "a", "u", "s", "c", "udp", "r",
                "p", "x", 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE));
        assertSameBytes(new TurnEvent(Integer.MAX_VALUE, TurnEventType.TRAFFIC, "n", "a", "u", "s", "c", "udp", "r",
                "p", "x", Long.MIN_VALUE, 0L, 0L, Long.MAX_VALUE, Long.MAX_VALUE));
    }

    @Test
    void escapesQuotesBackslashesAndControlCharactersAsEventSerializerDoes() {
        StringBuilder ascii = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            ascii.append(c);
        }
        assertSameBytesAndReadBack(withUsername(ascii.toString()));
        assertSameBytesAndReadBack(withUsername("\"quoted\" back\\slash /slash\u2028line\u2029para"));
    }

    @Test
    void writesNonAsciiAsUtf8AndSurrogatesAsEscapesAsEventSerializerDoes() {
        // Latin-1, two- and three-byte UTF-8, U+FFFF, an emoji (a surrogate pair), lone and reversed surrogates: a
        // TURN username is whatever UTF-8 a client sent.
        assertSameBytesAndReadBack(withUsername("1700000000:s\u00e9ssion-\u00ff\u0100\u07ff\u0800\u20ac\u4e2d\uffff"));
        assertSameBytesAndReadBack(withUsername("1700000000:\uD83D\uDE00-\uD83C\uDF89"));
        assertSameBytesAndReadBack(withUsername("lone \uD800 high, lone \uDFFF low, reversed \uDC00\uD800, "
                + "end \uD83D"));
        assertSameBytesAndReadBack(withUsername(""));
    }

    @Test
    void writesLongStringsAsEventSerializerDoes() {
        // Longer than Jackson's output buffer (8000 bytes), which it writes in segments.
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < 20_000; i++) {
            s.append("seg-").append(i).append("\u00e9\"\\\n\uD83D\uDE00\u0001\u20ac");
        }
        assertSameBytesAndReadBack(withUsername(s.toString()));
    }

    @Test
    void writesRandomEventsAsEventSerializerDoes() {
        Random random = new Random(8656);
        char[] pool = ("aZ09:-_.[]/ \"\\\b\t\n\f\r\u0000\u001f\u007f\u0080\u00e9\u07ff\u0800\u20ac"
                + "\uD800\uDBFF\uDC00\uDFFF\uFFFF").toCharArray();
        TurnEventType[] types = TurnEventType.values();
        for (int n = 0; n < 2_000; n++) {
            assertSameBytes(new TurnEvent(EventSchema.VERSION, random.nextInt(10) == 0 ? null
                    : types[random.nextInt(types.length)], text(random, pool), text(random, pool),
                    text(random, pool), text(random, pool), text(random, pool), text(random, pool),
                    text(random, pool), text(random, pool), text(random, pool), number(random), number(random),
                    number(random), number(random), random.nextLong()));
        }
    }

    private static String text(Random random, char[] pool) {
        if (random.nextInt(4) == 0) {
            return null;
        }
        char[] s = new char[random.nextInt(24)];
        for (int i = 0; i < s.length; i++) {
            s[i] = pool[random.nextInt(pool.length)];
        }
        return new String(s);
    }

    private static Long number(Random random) {
        return random.nextInt(4) == 0 ? null : random.nextLong();
    }

    private static TurnEvent withUsername(String username) {
        return new TurnEvent(EventSchema.VERSION, TurnEventType.ALLOCATION_CREATED, "turn-1", "alloc-1", username,
                TurnEvent.sessionIdOf(username), "192.0.2.1:50000", "udp", "198.51.100.7:49152", null, null, null,
                null, null, null, 42);
    }

    private void assertSameBytes(TurnEvent event) {
        byte[] expected = reference.serialize(Topics.TURN_EVENTS, event);
        byte[] actual = TurnEventJson.write(event);
        assertEquals(new String(expected, StandardCharsets.UTF_8), new String(actual, StandardCharsets.UTF_8),
                "the JSON text of " + event);
        assertEquals(java.util.HexFormat.of().formatHex(expected), java.util.HexFormat.of().formatHex(actual),
                "the UTF-8 bytes of " + event);
    }

    private void assertSameBytesAndReadBack(TurnEvent event) {
        assertSameBytes(event);
        assertEquals(event, reader.deserialize(Topics.TURN_EVENTS, TurnEventJson.write(event)),
                "monitor's deserializer reads the event back");
    }
}
