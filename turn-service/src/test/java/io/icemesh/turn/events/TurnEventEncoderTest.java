package io.icemesh.turn.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TurnEventEncoderTest {

    private final TurnEventEncoder encoder = new TurnEventEncoder("turn-1");

    private static TurnEvent event(TurnEventType type, long timestampMs) {
        return new TurnEvent(EventSchema.VERSION, type, "turn-1", "alloc-1", "1700000000:s\u00e9ssion",
                "s\u00e9ssion", "192.0.2.1:50000", "udp", "198.51.100.7:49152", null, null, null, null, null, null,
                timestampMs);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void writesTheBinaryModeHeadersInTheConnectorsOrder() {
        ProducerRecord<byte[], byte[]> record = encoder.encode("s\u00e9ssion", event(TurnEventType.CHANNEL_BOUND,
                1_700_000_000_123L));
        assertEquals(List.of("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time"),
                StreamSupport.stream(record.headers().spliterator(), false).map(Header::key).toList());
        assertEquals("1.0", header(record, "ce_specversion"));
        UUID.fromString(header(record, "ce_id"));
        assertEquals("io.icemesh.turn.channel_bound.v1", header(record, "ce_type"));
        assertEquals("urn:icemesh:turn-service:turn-1", header(record, "ce_source"));
        assertEquals("s\u00e9ssion", header(record, "ce_subject"), "the subject is the key");
        assertEquals(1_700_000_000_123L, OffsetDateTime.parse(header(record, "ce_time"),
                DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli(), "the event's time");
        assertNull(record.headers().lastHeader("content-type"), "no content type was ever configured");
    }

    @Test
    void namesEveryTypeAsTheEventDoes() {
        for (TurnEventType type : TurnEventType.values()) {
            TurnEvent event = event(type, 5);
            assertEquals(event.cloudEventType(), header(encoder.encode("k", event), "ce_type"));
        }
    }

    @Test
    void keysAndWritesTheValueAsTheStringAndEventSerializersDo() {
        TurnEvent event = event(TurnEventType.ALLOCATION_CREATED, 42);
        ProducerRecord<byte[], byte[]> record = encoder.encode("s\u00e9ssion", event);
        assertEquals(Topics.TURN_EVENTS, record.topic());
        assertNull(record.partition(), "the partitioner picks it from the key");
        assertNull(record.timestamp(), "the producer stamps it");
        assertArrayEquals(new StringSerializer().serialize(Topics.TURN_EVENTS, "s\u00e9ssion"), record.key(),
                "the same key bytes, so the same partition as before and as the session's own events");
        assertArrayEquals(new EventSerializer().serialize(Topics.TURN_EVENTS, event), record.value());
    }

    @Test
    void idsAreVersionFourVariantTwoUuids() {
        for (int i = 0; i < 1_000; i++) {
            UUID id = UUID.fromString(header(encoder.encode("k", event(TurnEventType.TRAFFIC, i)), "ce_id"));
            assertEquals(4, id.version(), id.toString());
            assertEquals(2, id.variant(), id.toString());
        }
    }

    @Test
    void givesEveryEventItsOwnId() {
        TurnEvent event = event(TurnEventType.TRAFFIC, 42);
        assertNotEquals(header(encoder.encode("k", event), "ce_id"), header(encoder.encode("k", event), "ce_id"));
    }
}
