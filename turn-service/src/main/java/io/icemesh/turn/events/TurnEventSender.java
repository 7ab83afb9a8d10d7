package io.icemesh.turn.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.jboss.logging.Logger;

/**
 * Hands records to Kafka off the caller's thread. The caller (an event loop) only offers a record to a bounded
 * queue, which never blocks; one daemon thread takes the records in the order offered and gives them to the producer.
 * The producer may block that thread for as long as the broker is out (it waits for metadata or buffer space:
 * {@code max.block.ms} is unbounded, so no record fails for that), and its own idempotent retries, for up to a day,
 * carry each record it holds across an outage in order. At most {@code maxInFlight} records are unacknowledged
 * (queued or held by the producer); past that, offers are refused, and the caller counts them.
 */
final class TurnEventSender {

    private static final Logger LOG = Logger.getLogger(TurnEventSender.class);
    /** What the thread takes to stop once every record offered before close is handed over. */
    private static final ProducerRecord<byte[], byte[]> END = new ProducerRecord<>("end", new byte[0]);
    /** How long close waits for the thread once interrupted (a send waiting for the broker ends at once). */
    private static final long INTERRUPTED_JOIN_MILLIS = 1_000;

    /** Gives a record to Kafka; {@code done} runs once Kafka acknowledged it or gave up on it. */
    @FunctionalInterface
    interface Handover {
        void send(ProducerRecord<byte[], byte[]> record, Callback done);
    }

    private final int maxInFlight;
    private final Handover handover;
    private final Consumer<Duration> closeProducer;
    /** One slot more than {@link #maxInFlight} for {@link #END}. */
    private final BlockingQueue<ProducerRecord<byte[], byte[]>> queue;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong failed = new AtomicLong();
    private final Callback done = (metadata, failure) -> {
        inFlight.decrementAndGet();
        if (failure != null) {
            failed(failure);
        }
    };
    private final Thread thread;
    private volatile boolean closed;

    TurnEventSender(String threadName, int maxInFlight, Handover handover, Consumer<Duration> closeProducer) {
        this.maxInFlight = maxInFlight;
        this.handover = handover;
        this.closeProducer = closeProducer;
        queue = new ArrayBlockingQueue<>(maxInFlight + 1);
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** A sender to {@code producer}, which it closes. */
    static TurnEventSender toKafka(Producer<byte[], byte[]> producer, int maxInFlight) {
        return new TurnEventSender("turn-events-sender", maxInFlight, producer::send, producer::close);
    }

    /**
     * A sender that acknowledges every record at once instead of sending it (the JIT warm-up): the same queue, thread
     * and acknowledgement as {@link #toKafka}, without Kafka.
     */
    static TurnEventSender discarding(int maxInFlight) {
        return new TurnEventSender("turn-events-warm-up", maxInFlight, (record, done) -> done.onCompletion(null, null),
                timeout -> {
                });
    }

    /**
     * Producer settings on top of the application's Kafka configuration (every {@code kafka.*} property, as
     * SmallRye's channels had them): a broker outage delays events, it does not lose them. Every write waits for all
     * in-sync replicas, retries are idempotent (no duplicate, no reordering within a partition) and unlimited, a
     * record may wait a day, and a send waits for metadata and buffer space as long as it must (on the sender thread).
     */
    static Map<String, Object> producerConfig(Map<String, Object> kafka, String clientId) {
        Map<String, Object> p = clientConfig(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofDays(1).toMillis());
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.MAX_VALUE);
        return p;
    }

    /** The application's Kafka configuration for a client that is not a consumer (no {@code group.id}). */
    static Map<String, Object> clientConfig(Map<String, Object> kafka) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.remove("group.id"); // Quarkus adds the application name for consumers
        return p;
    }

    /** Queues a record to send; false (nothing queued) when {@code maxInFlight} are unacknowledged, or closed. */
    boolean offer(ProducerRecord<byte[], byte[]> record) {
        if (closed) {
            return false;
        }
        if (inFlight.incrementAndGet() > maxInFlight || !queue.offer(record)) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Records offered and not yet acknowledged or given up. */
    int inFlight() {
        return inFlight.get();
    }

    /** Records taken and then not delivered: Kafka gave up, or close came first. */
    long failedCount() {
        return failed.get();
    }

    private void run() {
        while (true) {
            ProducerRecord<byte[], byte[]> record;
            try {
                record = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (record == END) {
                return;
            }
            try {
                handover.send(record, done);
            } catch (InterruptException e) {
                // close() stopped waiting for the broker
                done.onCompletion(null, e);
                return;
            } catch (RuntimeException e) {
                done.onCompletion(null, e);
            } catch (Error e) {
                // Counted like any failed record; the thread goes on, or every later event would wait for nothing.
                done.onCompletion(null, new IllegalStateException("hand-over failed: " + e, e));
            }
        }
    }

    /**
     * Refuses new records, hands over what was offered before, and closes the producer, which sends what it holds;
     * all within {@code timeout}. What is left then (the broker is out) is counted as failed.
     */
    synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        queue.offer(END);
        try {
            // Rounded up: a join cut short by the truncation would leave the producer a sliver of time it cannot use.
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999)));
            if (thread.isAlive()) {
                // Blocked in the producer while the broker is out: what it holds cannot go now
                thread.interrupt();
                thread.join(INTERRUPTED_JOIN_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ProducerRecord<byte[], byte[]>> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream().filter(r -> r != END).forEach(r -> done.onCompletion(null, new IllegalStateException(
                "closed before it was sent")));
        closeProducer.accept(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    private void failed(Exception failure) {
        long n = failed.incrementAndGet();
        // A long outage can end with many at once: the 1st, 2nd, 4th, 8th... failure is logged
        if (Long.bitCount(n) == 1) {
            LOG.warnf("%d turn events not delivered so far; the latest: %s", n, failure.toString());
        }
    }
}
