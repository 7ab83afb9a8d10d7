package io.icemesh.turn.events;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventJson;
import io.icemesh.events.v1.TurnEventType;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Encodes a {@link TurnEvent} as its record on {@code icemesh.turn-events}: the key and the value as UTF-8 bytes (the
 * value is {@link TurnEventJson}, the bytes {@code EventSerializer} writes), and the CloudEvents Kafka binary-mode
 * headers in the order SmallRye's Kafka connector writes them ({@code KafkaCloudEventHelper.createBinaryRecord}, which
 * wrote these records before): {@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source},
 * {@code ce_subject} (the key) and {@code ce_time} (RFC 3339 in the JVM's zone, as the connector formats it, by
 * {@link CloudEventTime}; the event's own time, where the connector took the time of sending). No
 * {@code content-type}: none was configured for the channel. Pure: no I/O, safe on any thread.
 */
final class TurnEventEncoder {

    static final String SPEC_VERSION = "ce_specversion";
    static final String ID = EventSchema.CE_ID_HEADER;
    static final String TYPE = "ce_type";
    static final String SOURCE = "ce_source";
    static final String SUBJECT = "ce_subject";
    static final String TIME = "ce_time";

    /** Header values shared by every record; Kafka only reads them. */
    private static final byte[] SPEC_VERSION_1_0 = utf8("1.0");
    private static final byte[][] TYPES = new byte[TurnEventType.values().length][];

    static {
        for (TurnEventType type : TurnEventType.values()) {
            TYPES[type.ordinal()] = utf8(TurnEvent.cloudEventType(type));
        }
    }

    private final String topic;
    private final String source;
    private final byte[] sourceBytes;
    private final CloudEventTime time = new CloudEventTime(ZoneId.systemDefault());

    /** An encoder for the events of node {@code nodeId}. */
    TurnEventEncoder(String nodeId) {
        this(nodeId, Topics.TURN_EVENTS);
    }

    /** An encoder for the events of node {@code nodeId}, as records on {@code topic}. */
    TurnEventEncoder(String nodeId, String topic) {
        this.topic = topic;
        source = "urn:icemesh:turn-service:" + nodeId;
        sourceBytes = utf8(source);
    }

    /** The CloudEvents source of this node's events and announcements. */
    String source() {
        return source;
    }

    /** The record of {@code event} under {@code key}. */
    ProducerRecord<byte[], byte[]> encode(String key, TurnEvent event) {
        byte[] keyBytes = utf8(key);
        Header[] headers = {
            new RecordHeader(SPEC_VERSION, SPEC_VERSION_1_0),
            new RecordHeader(ID, utf8(randomId().toString())),
            new RecordHeader(TYPE, TYPES[event.type().ordinal()]),
            new RecordHeader(SOURCE, sourceBytes),
            new RecordHeader(SUBJECT, keyBytes),
            new RecordHeader(TIME, utf8(time.format(event.timestampMs()))),
        };
        return new ProducerRecord<>(topic, null, null, keyBytes, TurnEventJson.write(event),
                new RecordHeaders(headers));
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: an event id must be unique, not unguessable, and
     * {@code UUID.randomUUID()} reads the shared {@code SecureRandom} under its lock on every event.
     */
    static UUID randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(most, least);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
