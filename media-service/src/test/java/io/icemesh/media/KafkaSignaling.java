package io.icemesh.media;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.EventSerializer;
import io.icemesh.events.v1.MediaCommand;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays signaling's part over the real broker: produces MediaCommands keyed by room and collects the room's
 * MediaReplies in arrival order, so a test can take the reply it waits for and handle the SFU's offers in order.
 */
final class KafkaSignaling implements AutoCloseable {

    private final String roomId;
    private final String nodeId;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, MediaReply> consumer;
    private final List<MediaReply> inbox = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread poller;

    KafkaSignaling(String roomId, String nodeId) {
        this.roomId = roomId;
        this.nodeId = nodeId;
        // As signaling does, talk to the node once it is ready (announced): it reads commands from the latest offset
        // once its consumer has partitions, so a command sent before then would be missed.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> io.restassured.RestAssured.get("/q/health/ready")
                .then().statusCode(200));
        String bootstrap = KafkaBrokerResource.broker().bootstrapServers();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-signaling-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new EventDeserializer.MediaReplies());
        consumer.subscribe(List.of(Topics.MEDIA_REPLIES));
        poller = new Thread(this::poll, "test-media-replies");
        poller.setDaemon(true);
        poller.start();
    }

    private void poll() {
        while (running.get()) {
            for (ConsumerRecord<String, MediaReply> r : consumer.poll(Duration.ofMillis(100))) {
                MediaReply reply = r.value();
                if (reply != null && roomId.equals(reply.roomId())) {
                    synchronized (inbox) {
                        inbox.add(reply);
                    }
                }
            }
        }
        consumer.close();
    }

    /** Sends a command for this room to the node. */
    void send(MediaCommandType type, String endpointId, String sdp) {
        send(type, endpointId, sdp, nodeId);
    }

    void send(MediaCommandType type, String endpointId, String sdp, String toNode) {
        send(new MediaCommand(EventSchema.VERSION, type, UUID.randomUUID().toString(), toNode, roomId,
                endpointId, sdp, System.currentTimeMillis()));
    }

    /** Sends SET_QUALITY for the endpoint (all its tracks when {@code trackId} is null). */
    void setQuality(String endpointId, String quality, String trackId) {
        send(new MediaCommand(EventSchema.VERSION, MediaCommandType.SET_QUALITY, UUID.randomUUID().toString(), nodeId,
                roomId, endpointId, null, System.currentTimeMillis(), quality, trackId));
    }

    private void send(MediaCommand c) {
        MediaCommandType type = c.type();
        try {
            producer.send(new ProducerRecord<>(Topics.MEDIA_COMMANDS, roomId,
                    new EventSerializer().serialize(Topics.MEDIA_COMMANDS, c))).get();
        } catch (Exception e) {
            throw new AssertionError("could not produce " + type, e);
        }
    }

    /** Waits for and removes the first reply of this type for the endpoint; an ERROR for it fails the test. */
    MediaReply take(String endpointId, MediaReplyType type, Duration timeout) {
        MediaReply[] found = new MediaReply[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
            synchronized (inbox) {
                for (Iterator<MediaReply> it = inbox.iterator(); it.hasNext(); ) {
                    MediaReply r = it.next();
                    if (r.endpointId().equals(endpointId) && r.type() == MediaReplyType.ERROR && type != MediaReplyType.ERROR) {
                        fail("media-service answered " + endpointId + " with ERROR: " + r.reason());
                    }
                    if (r.endpointId().equals(endpointId) && r.type() == type) {
                        it.remove();
                        found[0] = r;
                        return true;
                    }
                }
                return false;
            }
        });
        return found[0];
    }

    /** Removes and returns every OFFER waiting, in arrival order. */
    List<MediaReply> takeOffers() {
        List<MediaReply> out = new ArrayList<>();
        synchronized (inbox) {
            for (Iterator<MediaReply> it = inbox.iterator(); it.hasNext(); ) {
                MediaReply r = it.next();
                if (r.type() == MediaReplyType.ERROR) {
                    fail("media-service answered " + r.endpointId() + " with ERROR: " + r.reason());
                }
                if (r.type() == MediaReplyType.OFFER) {
                    it.remove();
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** A snapshot of replies not taken yet. */
    List<MediaReply> pending() {
        synchronized (inbox) {
            return List.copyOf(inbox);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        poller.join(5_000);
        producer.close();
    }
}
