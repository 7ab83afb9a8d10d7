package io.icemesh.turn.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class TurnEventSenderTest {

    private static ProducerRecord<byte[], byte[]> record(int n) {
        return new ProducerRecord<>("t", String.valueOf(n).getBytes());
    }

    private static int number(ProducerRecord<byte[], byte[]> record) {
        return Integer.parseInt(new String(record.value()));
    }

    @Test
    void handsRecordsOverOnItsOwnThreadInTheOrderOffered() {
        List<Integer> sent = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        TurnEventSender sender = new TurnEventSender("sender-test", 1_000, (record, done) -> {
            sent.add(number(record));
            threads.add(Thread.currentThread().getName());
            done.onCompletion(null, null);
        }, timeout -> {
        });
        for (int i = 0; i < 500; i++) {
            assertTrue(sender.offer(record(i)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 500);
        assertEquals(java.util.stream.IntStream.range(0, 500).boxed().toList(), sent);
        assertEquals(List.of("sender-test"), threads.stream().distinct().toList());
        assertEquals(0, sender.inFlight());
        sender.close(Duration.ofSeconds(5));
    }

    @Test
    void refusesRecordsPastMaxInFlightUntilKafkaAcknowledgesOne() {
        List<Callback> unacknowledged = new CopyOnWriteArrayList<>();
        TurnEventSender sender = new TurnEventSender("sender-test", 3, (record, done) -> unacknowledged.add(done),
                timeout -> {
                });
        for (int i = 0; i < 3; i++) {
            assertTrue(sender.offer(record(i)));
        }
        assertFalse(sender.offer(record(3)), "three are unacknowledged");
        await().atMost(Duration.ofSeconds(10)).until(() -> unacknowledged.size() == 3);
        assertFalse(sender.offer(record(3)), "held by Kafka, still unacknowledged");
        unacknowledged.get(0).onCompletion(null, null);
        assertTrue(sender.offer(record(3)));
        assertEquals(0, sender.failedCount());
        sender.close(Duration.ZERO);
    }

    @Test
    void countsWhatKafkaGaveUpOnOrRefusedAtOnce() {
        TurnEventSender sender = new TurnEventSender("sender-test", 10, (record, done) -> {
            if (number(record) == 0) {
                done.onCompletion(null, new TimeoutException("delivery timed out"));
            } else {
                throw new IllegalStateException("producer closed");
            }
        }, timeout -> {
        });
        sender.offer(record(0));
        sender.offer(record(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.failedCount() == 2);
        assertEquals(0, sender.inFlight(), "nothing is left waiting");
        assertTrue(sender.offer(record(2)), "the thread goes on after a refusal");
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.failedCount() == 3);
        sender.close(Duration.ZERO);
    }

    @Test
    void closeHandsOverWhatWasOfferedBeforeClosingTheProducerAndRefusesTheRest() {
        List<Integer> sent = new CopyOnWriteArrayList<>();
        AtomicReference<Duration> producerClosed = new AtomicReference<>();
        TurnEventSender sender = new TurnEventSender("sender-test", 1_000, (record, done) -> {
            sent.add(number(record));
            done.onCompletion(null, null);
        }, timeout -> {
            assertEquals(200, sent.size(), "everything offered went to the producer before it was closed");
            producerClosed.set(timeout);
        });
        for (int i = 0; i < 200; i++) {
            sender.offer(record(i));
        }
        sender.close(Duration.ofSeconds(10));
        assertTrue(producerClosed.get().compareTo(Duration.ZERO) > 0, "closed with the time left");
        assertFalse(sender.offer(record(200)), "closed");
        assertEquals(0, sender.failedCount());
    }

    @Test
    void closeGivesUpWithinItsTimeoutOnASendThatWaitsForTheBroker() {
        CountDownLatch brokerBack = new CountDownLatch(1);
        AtomicReference<Duration> producerClosed = new AtomicReference<>();
        TurnEventSender sender = new TurnEventSender("sender-test", 100, (record, done) -> {
            try {
                brokerBack.await(); // as KafkaProducer.send waits for metadata while the broker is out
            } catch (InterruptedException e) {
                throw new InterruptException(e);
            }
        }, producerClosed::set);
        for (int i = 0; i < 5; i++) {
            sender.offer(record(i));
        }
        long started = System.nanoTime();
        sender.close(Duration.ofMillis(300));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "close is bounded");
        assertEquals(5, sender.failedCount(), "the one in send and the four behind it are counted");
        assertEquals(0, sender.inFlight());
        assertEquals(Duration.ZERO, producerClosed.get(), "no time left for the producer");
    }

    @Test
    void producerSettingsKeepEventsAcrossAnOutageWhateverTheApplicationsKafkaProperties() {
        Map<String, Object> p = TurnEventSender.producerConfig(Map.of("bootstrap.servers", "kafka:9092",
                "security.protocol", "SSL", "group.id", "turn-service", "acks", "1", "max.block.ms", "60000"),
                "turn-events-turn-1");
        assertEquals("kafka:9092", p.get("bootstrap.servers"));
        assertEquals("SSL", p.get("security.protocol"), "the application's Kafka settings apply, as to the channel");
        assertFalse(p.containsKey("group.id"), "a consumer setting");
        assertEquals("all", p.get("acks"));
        assertEquals(true, p.get("enable.idempotence"));
        assertEquals(Integer.MAX_VALUE, p.get("retries"));
        assertEquals(86_400_000, p.get("delivery.timeout.ms"), "a record may wait a day");
        assertEquals(Long.MAX_VALUE, p.get("max.block.ms"), "a send waits for the broker on the sender thread instead "
                + "of failing the record after a minute");
        assertEquals(5, p.get("linger.ms"));
        assertEquals("turn-events-turn-1", p.get("client.id"));
    }

    @Test
    void theWarmUpsSenderAcknowledgesEveryRecordWithoutKafka() {
        TurnEventSender sender = TurnEventSender.discarding(1_000);
        for (int i = 0; i < 1_000; i++) {
            assertTrue(sender.offer(record(i)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sender.inFlight() == 0);
        sender.close(Duration.ofSeconds(5));
        assertEquals(0, sender.failedCount());
    }
}
