package io.icemesh.events.v1;

import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * The one way the services put an event on a Kafka channel: the record key (which orders events of one session, room
 * or node on one partition) and the CloudEvent attributes every icemesh event carries in binary mode: {@code ce_id},
 * {@code ce_type} ({@link EventSchema#cloudEventType}), {@code ce_source} (the service) and {@code ce_subject} (the
 * key). turn-service's own producer writes the same headers by hand (its {@code TurnEventEncoder}).
 */
public final class EventMessages {

    private EventMessages() {
    }

    /** A message with a fresh random CloudEvent id. */
    public static <T> Message<T> of(T payload, String key, String type, URI source) {
        return of(payload, key, UUID.randomUUID().toString(), type, source);
    }

    /** A message whose CloudEvent id is given (an event that has an id of its own, such as a doctor report's). */
    public static <T> Message<T> of(T payload, String key, String id, String type, URI source) {
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder()
                .withId(id)
                .withType(type)
                .withSource(source)
                .withSubject(key)
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
        return Message.of(payload, Metadata.of(ce, kafka));
    }
}
