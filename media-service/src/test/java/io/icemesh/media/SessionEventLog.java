package io.icemesh.media;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.events.v1.EventDeserializer;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.Topics;
import io.icemesh.testkit.KafkaTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Collects the session events of one room from {@code icemesh.session-events}. */
final class SessionEventLog implements AutoCloseable {

    private final List<SessionEvent> events = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread poller;

    SessionEventLog(String roomId) {
        KafkaConsumer<String, SessionEvent> consumer = KafkaTestClient.consumer(
                KafkaBrokerResource.broker().bootstrapServers(), Topics.SESSION_EVENTS,
                new EventDeserializer.SessionEvents());
        poller = new Thread(() -> {
            while (running.get()) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (r.value() != null && roomId.equals(r.value().roomId())) {
                        synchronized (events) {
                            events.add(r.value());
                        }
                    }
                });
            }
            consumer.close();
        }, "test-session-events");
        poller.setDaemon(true);
        poller.start();
    }

    List<SessionEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        poller.join(5_000);
    }
}
