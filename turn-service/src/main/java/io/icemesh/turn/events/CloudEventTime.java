package io.icemesh.turn.events;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Formats an event's time as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} does in one zone, character for character,
 * without building a {@code ZonedDateTime} and a formatter pass per event: the date, time to the second and offset
 * are kept for the last second formatted (the JDK formats them once per second), and the milliseconds are appended
 * the formatter's way (none when zero, else up to three digits with trailing zeros left out). Safe on any thread.
 */
final class CloudEventTime {

    /** The last second formatted: its epoch second, its text up to the seconds, and its offset. */
    private record Second(long epochSecond, String dateTime, String offset) {
    }

    private final ZoneId zone;
    /** Null until the first event. */
    private volatile Second last;

    CloudEventTime(ZoneId zone) {
        this.zone = zone;
    }

    /** {@code epochMs} as ISO_OFFSET_DATE_TIME in this zone. */
    String format(long epochMs) {
        long epochSecond = Math.floorDiv(epochMs, 1000L);
        int millis = (int) Math.floorMod(epochMs, 1000L);
        Second s = last;
        if (s == null || s.epochSecond != epochSecond) {
            s = second(epochSecond);
            last = s;
        }
        StringBuilder out = new StringBuilder(s.dateTime.length() + 4 + s.offset.length()).append(s.dateTime);
        if (millis != 0) {
            out.append('.').append((char) ('0' + millis / 100));
            int rest = millis % 100;
            if (rest != 0) {
                out.append((char) ('0' + rest / 10));
                if (rest % 10 != 0) {
                    out.append((char) ('0' + rest % 10));
                }
            }
        }
        return out.append(s.offset).toString();
    }

    private Second second(long epochSecond) {
        Instant instant = Instant.ofEpochSecond(epochSecond);
        ZoneOffset offset = zone.getRules().getOffset(instant);
        LocalDateTime local = LocalDateTime.ofEpochSecond(epochSecond, 0, offset);
        // ISO_OFFSET_DATE_TIME is ISO_LOCAL_DATE_TIME followed by the offset id ("Z" for zero)
        return new Second(epochSecond, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(local), offset.getId());
    }
}
