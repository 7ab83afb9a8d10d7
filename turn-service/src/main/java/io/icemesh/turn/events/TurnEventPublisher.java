package io.icemesh.turn.events;

import io.icemesh.events.v1.EventMessages;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.Topics;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.stun.TokenBucket;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.config.TurnConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes {@link TurnEvent}s on {@code icemesh.turn-events} (keyed by session id, else allocation id, else client
 * address) and {@link NodeAnnouncement}s on {@code icemesh.nodes} (keyed by node id), as CloudEvents in binary mode.
 * Turn events take the shortest path, as they come with every allocation: encoded on the caller's thread without
 * Jackson or SmallRye ({@link TurnEventEncoder}) and handed to a Kafka producer of their own by one sender thread
 * ({@link TurnEventSender}), so the caller (an event loop) never blocks; while Kafka is slow or out they wait, in
 * order, and past {@link #MAX_IN_FLIGHT} unacknowledged events new ones are dropped and counted. Failure events
 * (auth, rejections) are rate limited so that an attacker cannot flood Kafka through us. Announcements, a few a
 * minute, go through SmallRye's {@code nodes} channel.
 */
@ApplicationScoped
public class TurnEventPublisher {

    private static final Logger LOG = Logger.getLogger(TurnEventPublisher.class);
    /** Events waiting for a Kafka acknowledgement at most. */
    public static final int MAX_IN_FLIGHT = 100_000;
    /** Failure events per second at most (auth failures, rejections). */
    private static final double FAILURE_EVENTS_PER_SECOND = 50;
    /**
     * How long closing waits for queued events to reach Kafka (SmallRye's default {@code close-timeout} for a
     * channel, which these events had before); what is still unsent then is counted as dropped.
     */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    @Channel("nodes")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1_000)
    Emitter<NodeAnnouncement> nodes;

    @Inject
    TurnConfig config;

    /** Every {@code kafka.*} property of the application (bootstrap servers and any security settings). */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    /** The warm-up's publisher: it announces nothing, and its events are acknowledged without Kafka. */
    private boolean silent;
    /** The sender is the node's ({@link #sendThrough}): closing this publisher does not close it. */
    private boolean borrowed;
    private TurnEventEncoder encoder;
    private URI source;
    /** Null until {@link #start()}: events before are dropped (none come, the listeners open after). */
    private volatile TurnEventSender sender;

    private final LongAdder dropped = new LongAdder();
    private final TokenBucket failureEvents = new TokenBucket(FAILURE_EVENTS_PER_SECOND, FAILURE_EVENTS_PER_SECOND,
            System.nanoTime());

    @PostConstruct
    void init() {
        encoder = new TurnEventEncoder(config.nodeId());
        source = URI.create(encoder.source());
    }

    /**
     * A publisher outside CDI that sends nothing: for the warm-up's private server, whose events are not real. It
     * does everything a real one does but the hand-over to Kafka (encoding, queue, sender thread, acknowledgement),
     * so that the JIT compiles that too; {@link #close()} it after.
     */
    public static TurnEventPublisher silent(TurnConfig config) {
        TurnEventPublisher publisher = new TurnEventPublisher();
        publisher.config = config;
        publisher.init();
        publisher.silent = true;
        publisher.sender = TurnEventSender.discarding(MAX_IN_FLIGHT);
        return publisher;
    }

    /**
     * From now on, the warm-up's events go through {@code node}'s own sender and producer, to
     * {@link Topics#TURN_WARM_UP} (which nobody reads): so that the node's first real events meet compiled code in
     * the producer too. Its own (discarding) sender is closed.
     */
    public synchronized void sendThrough(TurnEventPublisher node) {
        if (!silent || node.sender == null) {
            throw new IllegalStateException("only the warm-up's publisher sends through a started node's producer");
        }
        TurnEventSender own = sender;
        encoder = new TurnEventEncoder(config.nodeId(), Topics.TURN_WARM_UP);
        sender = node.sender;
        borrowed = true;
        own.close(Duration.ZERO);
    }

    /** Events offered to this publisher's sender and not yet acknowledged (or given up). */
    public int inFlight() {
        TurnEventSender s = sender;
        return s == null ? 0 : s.inFlight();
    }

    /**
     * Makes {@link Topics#TURN_WARM_UP} (kept a minute) unless it exists; false, with the reason logged, when that
     * could not be done within {@code timeout} (the broker is out, or topics are not ours to make). It gets as many
     * partitions as {@link Topics#TURN_EVENTS} (the broker's default while that does not exist yet, as its
     * auto-creation would give it): the producer's code for spreading records over partitions is then the same.
     */
    public boolean createWarmUpTopic(Duration timeout) {
        Map<String, Object> admin = TurnEventSender.clientConfig(kafka);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin client = Admin.create(admin)) {
            Optional<Integer> partitions;
            try {
                partitions = Optional.of(client.describeTopics(List.of(Topics.TURN_EVENTS)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(Topics.TURN_EVENTS).partitions().size());
            } catch (ExecutionException e) {
                partitions = Optional.empty();
            }
            NewTopic topic = new NewTopic(Topics.TURN_WARM_UP, partitions, Optional.empty()).configs(Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, "60000", TopicConfig.SEGMENT_MS_CONFIG, "60000"));
            client.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return true;
            }
            LOG.infof("warm-up topic %s not made (%s): the Kafka producer is not warmed", Topics.TURN_WARM_UP,
                    e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            LOG.infof("warm-up topic %s not made (%s): the Kafka producer is not warmed", Topics.TURN_WARM_UP, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Opens the Kafka producer of turn events; before the listeners open. */
    public synchronized void start() {
        if (sender == null) {
            sender = TurnEventSender.toKafka(new KafkaProducer<>(TurnEventSender.producerConfig(kafka,
                    "turn-events-" + config.nodeId()), new ByteArraySerializer(), new ByteArraySerializer()),
                    MAX_IN_FLIGHT);
        }
    }

    /**
     * Sends what is queued and closes the producer, within {@link #CLOSE_TIMEOUT}; events after this are dropped.
     * The server calls it once it has drained (its last events are the allocations it closed); the container, in
     * case it did not.
     */
    @PreDestroy
    public synchronized void close() {
        if (sender != null && !borrowed) {
            sender.close(CLOSE_TIMEOUT);
        }
    }

    /** An event about an allocation (created, refreshed, expired, deleted, permission, channel, traffic). */
    public void allocationEvent(TurnEventType type, Allocation allocation, String peer, String reason) {
        if (type == TurnEventType.REJECTED && !takeFailureToken()) {
            dropped.increment();
            return;
        }
        InetSocketAddress relay = allocation.relay() == null ? null : allocation.relay().address();
        boolean withTraffic = type == TurnEventType.TRAFFIC || type == TurnEventType.ALLOCATION_EXPIRED
                || type == TurnEventType.ALLOCATION_DELETED;
        FiveTuple tuple = allocation.fiveTuple();
        TurnEvent event = new TurnEvent(EventSchema.VERSION, type, config.nodeId(), allocation.id(),
                allocation.username(), TurnEvent.sessionIdOf(allocation.username()), tuple.clientText(),
                tuple.transport().label(), relay == null ? null : text(relay), peer, reason,
                withTraffic ? allocation.packetsToPeer() : null, withTraffic ? allocation.bytesToPeer() : null,
                withTraffic ? allocation.packetsFromPeer() : null, withTraffic ? allocation.bytesFromPeer() : null,
                System.currentTimeMillis());
        // Keyed by session id where the username carries one (TURN REST), so a session's TURN events share a
        // partition with its session events and one monitor instance of a consumer group sees the whole session.
        send(event.sessionId() != null ? event.sessionId() : allocation.id(), event);
    }

    /** An event without an allocation (auth failure, quota refusal), keyed by session id, else client address. */
    public void clientEvent(TurnEventType type, FiveTuple tuple, String username, String reason) {
        if (!takeFailureToken()) {
            dropped.increment();
            return;
        }
        TurnEvent event = new TurnEvent(EventSchema.VERSION, type, config.nodeId(), null, username,
                TurnEvent.sessionIdOf(username), tuple.clientText(), tuple.transport().label(), null, null, reason,
                null, null, null, null, System.currentTimeMillis());
        send(event.sessionId() != null ? event.sessionId() : tuple.clientText(), event);
    }

    /** Publishes a node announcement keyed by node id. */
    public void announce(NodeAnnouncement announcement) {
        if (silent) {
            return;
        }
        try {
            nodes.send(EventMessages.of(announcement, announcement.nodeId(),
                    EventSchema.cloudEventType("node", announcement.kind()), source));
        } catch (RuntimeException e) {
            LOG.warnf("node announcement not queued: %s", e.getMessage());
        }
    }

    /** Events dropped so far (too many unacknowledged, not delivered, or failure-event rate limit). */
    public long droppedCount() {
        TurnEventSender s = sender;
        return dropped.sum() + (s == null ? 0 : s.failedCount());
    }

    private synchronized boolean takeFailureToken() {
        return failureEvents.tryTake(1, System.nanoTime());
    }

    private void send(String key, TurnEvent event) {
        ProducerRecord<byte[], byte[]> record = encoder.encode(key, event);
        TurnEventSender s = sender;
        if (s == null || !s.offer(record)) {
            dropped.increment();
        }
    }

    private static String text(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
