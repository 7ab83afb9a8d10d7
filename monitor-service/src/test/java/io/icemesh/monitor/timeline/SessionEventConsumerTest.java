package io.icemesh.monitor.timeline;

import static io.restassured.RestAssured.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.EventSource;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.Topics;
import io.icemesh.monitor.MonitorTestEnvironment;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(MonitorTestEnvironment.class)
class SessionEventConsumerTest {

    @Test
    void countsSessionEventsByTypeAndSurvivesAMalformedRecord() throws Exception {
        double joinedBefore = metric("icemesh_monitor_session_events_total\\{type=\"peer_joined\"\\}");
        double malformedBefore = metric("icemesh_monitor_events_malformed_total\\{topic=\"session-events\"\\}");
        byte[] event = new EventSerializer().serialize(Topics.SESSION_EVENTS,
                SessionEvent.builder(SessionEventType.PEER_JOINED, "s-monitor", EventSource.SIGNALING)
                        .roomId("r").build());
        produce(new ProducerRecord<>(Topics.SESSION_EVENTS, "s-bad", "{garbage".getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(Topics.SESSION_EVENTS, "s-monitor", event));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertEquals(joinedBefore + 1, metric("icemesh_monitor_session_events_total\\{type=\"peer_joined\"\\}"),
                    "the peer_joined counter moves by one");
            assertEquals(malformedBefore + 1, metric("icemesh_monitor_events_malformed_total\\{topic=\"session-events\"\\}"),
                    "the garbage record is counted, not fatal");
        });
    }

    @Test
    void aRecordReadTwiceIsCountedOnceAndAsADuplicate() throws Exception {
        double joinedBefore = metric("icemesh_monitor_session_events_total\\{type=\"peer_joined\"\\}");
        double duplicatesBefore = metric("icemesh_monitor_events_duplicate_total\\{topic=\"session-events\"\\}");
        byte[] event = new EventSerializer().serialize(Topics.SESSION_EVENTS,
                SessionEvent.builder(SessionEventType.PEER_JOINED, "s-twice", EventSource.SIGNALING)
                        .roomId("r").build());
        String id = "ce-" + java.util.UUID.randomUUID();
        // The same record twice, as a consumer that lost its partition before committing would read it.
        ProducerRecord<String, byte[]> once = new ProducerRecord<>(Topics.SESSION_EVENTS, "s-twice", event);
        once.headers().add(EventSchema.CE_ID_HEADER, id.getBytes(StandardCharsets.UTF_8));
        ProducerRecord<String, byte[]> again = new ProducerRecord<>(Topics.SESSION_EVENTS, "s-twice", event);
        again.headers().add(EventSchema.CE_ID_HEADER, id.getBytes(StandardCharsets.UTF_8));
        produce(once, again);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertEquals(duplicatesBefore + 1,
                    metric("icemesh_monitor_events_duplicate_total\\{topic=\"session-events\"\\}"),
                    "the second copy is counted as a duplicate");
            assertEquals(joinedBefore + 1, metric("icemesh_monitor_session_events_total\\{type=\"peer_joined\"\\}"),
                    "and not as a second peer_joined");
        });
    }

    /** Sends the records to the test broker, in order, and waits until each is written. */
    @SafeVarargs
    private static void produce(ProducerRecord<String, byte[]>... records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.broker().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r).get();
            }
        }
    }

    /** The value of one Prometheus sample on /q/metrics, 0 when absent. */
    static double metric(String nameAndLabels) {
        String body = get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + nameAndLabels + " ([0-9.eE+-]+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
