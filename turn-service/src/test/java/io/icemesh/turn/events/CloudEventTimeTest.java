package io.icemesh.turn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CloudEventTimeTest {

    private static String jdk(long epochMs, ZoneId zone) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.ofEpochMilli(epochMs).atZone(zone));
    }

    @Test
    void formatsAsTheJdksIsoOffsetDateTimeInEveryKindOfZone() {
        // UTC ("Z"), daylight saving time, half-hour offsets, negative offsets, and a zone whose historic offset has
        // seconds (Monrovia until 1972: -00:44:30)
        for (String id : new String[] {"UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Africa/Monrovia",
                "Pacific/Kiritimati"}) {
            ZoneId zone = ZoneId.of(id);
            CloudEventTime time = new CloudEventTime(zone);
            SplittableRandom random = new SplittableRandom(id.hashCode());
            for (int i = 0; i < 20_000; i++) {
                // 1900 to 2100, and runs of events within one second (the cached second)
                long ms = random.nextLong(-2_208_988_800_000L, 4_102_444_800_000L);
                for (int j = 0; j < 3; j++) {
                    long t = ms + random.nextInt(1000);
                    assertEquals(jdk(t, zone), time.format(t), id + " " + t);
                }
            }
        }
    }

    @Test
    void writesMillisecondsTheFormattersWay() {
        CloudEventTime time = new CloudEventTime(ZoneId.of("UTC"));
        assertEquals("2023-11-14T22:13:20Z", time.format(1_700_000_000_000L), "no fraction for a whole second");
        assertEquals("2023-11-14T22:13:20.1Z", time.format(1_700_000_000_100L));
        assertEquals("2023-11-14T22:13:20.12Z", time.format(1_700_000_000_120L));
        assertEquals("2023-11-14T22:13:20.123Z", time.format(1_700_000_000_123L));
        assertEquals("2023-11-14T22:13:20.003Z", time.format(1_700_000_000_003L));
        assertEquals("1969-12-31T23:59:59.999Z", time.format(-1L), "before the epoch");
    }

    @Test
    void crossesADaylightSavingChangeWithinTheSameRun() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        CloudEventTime time = new CloudEventTime(berlin);
        long change = 1_711_846_800_000L; // 2024-03-31T01:00:00Z, 02:00 CET becomes 03:00 CEST
        for (long t = change - 2_000; t < change + 2_000; t += 250) {
            assertEquals(jdk(t, berlin), time.format(t));
        }
    }
}
