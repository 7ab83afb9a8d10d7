package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.testkit.KafkaTestClient;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.impl.ce.KafkaCloudEventHelper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** What a record on {@code icemesh.turn-events} must be, as monitor-service and any CloudEvents reader read it. */
final class TurnEventRecords {

    /** The headers SmallRye's Kafka connector writes in binary mode, in its order (no content type is configured). */
    static final List<String> HEADERS = List.of("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject",
            "ce_time");

    private TurnEventRecords() {
    }

    /**
     * Checks a record as a binary-mode CloudEvent of node {@code turn-test} keyed {@code key} whose value is the JSON
     * EventSerializer writes, and returns its event.
     */
    static TurnEvent read(ConsumerRecord<String, byte[]> record, String key) {
        List<String> names = StreamSupport.stream(record.headers().spliterator(), false).map(Header::key).toList();
        assertEquals(HEADERS, names, "binary-mode CloudEvents headers");
        TurnEvent event = new EventDeserializer.TurnEvents().deserialize(Topics.TURN_EVENTS, record.value());
        assertNotNull(event, "monitor's deserializer reads " + new String(record.value(), StandardCharsets.UTF_8));
        assertArrayEquals(new EventSerializer().serialize(Topics.TURN_EVENTS, event), record.value(),
                "the value is the JSON EventSerializer writes for the event");
        assertEquals(key, record.key());
        assertEquals("1.0", KafkaTestClient.header(record, "ce_specversion"));
        UUID.fromString(KafkaTestClient.header(record, "ce_id"));
        assertEquals(event.cloudEventType(), KafkaTestClient.header(record, "ce_type"));
        assertEquals("urn:icemesh:turn-service:turn-test", KafkaTestClient.header(record, "ce_source"));
        assertEquals(key, KafkaTestClient.header(record, "ce_subject"));
        OffsetDateTime time = OffsetDateTime.parse(KafkaTestClient.header(record, "ce_time"),
                DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        long skew = Math.abs(time.toInstant().toEpochMilli() - event.timestampMs());
        assertTrue(skew < Duration.ofMinutes(1).toMillis(), "ce_time " + time + " is the event's time");

        // SmallRye's own reader (monitor-service's connector) takes it for the same CloudEvent.
        IncomingKafkaCloudEventMetadata<Object, byte[]> ce = KafkaCloudEventHelper.createFromBinaryCloudEvent(record);
        assertEquals(KafkaTestClient.header(record, "ce_id"), ce.getId());
        assertEquals(event.cloudEventType(), ce.getType());
        assertEquals("urn:icemesh:turn-service:turn-test", ce.getSource().toString());
        assertEquals(key, ce.getSubject().orElse(null));
        assertEquals(time.toInstant(), ce.getTimeStamp().orElseThrow().toInstant());
        return event;
    }
}
