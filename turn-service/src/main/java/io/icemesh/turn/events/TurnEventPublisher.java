package io.icemesh.turn.events;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.config.TurnConfig;
import io.icemesh.turn.policy.TokenBucket;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes {@link TurnEvent}s on {@code icemesh.turn-events} (keyed by allocation id, or by client address when
 * there is none) and {@link NodeAnnouncement}s on {@code icemesh.nodes} (keyed by node id), as CloudEvents in
 * binary mode. Sending never blocks the caller (an event loop): messages wait in a bounded buffer while Kafka is
 * slow or down, and the producer retries them (see application.properties); past {@link #MAX_IN_FLIGHT}
 * unacknowledged events new ones are dropped and counted. Failure events (auth, rejections) are rate limited so
 * that an attacker cannot flood Kafka through us.
 */
@ApplicationScoped
public class TurnEventPublisher {

    private static final Logger LOG = Logger.getLogger(TurnEventPublisher.class);
    /** Events waiting for a Kafka acknowledgement at most. */
    public static final int MAX_IN_FLIGHT = 100_000;
    /** Emitter buffer, larger than {@link #MAX_IN_FLIGHT} so the emitter itself never overflows. */
    private static final int EMITTER_BUFFER = MAX_IN_FLIGHT + 1_000;
    /** Failure events per second at most (auth failures, rejections). */
    private static final double FAILURE_EVENTS_PER_SECOND = 50;

    @Inject
    @Channel("turn-events")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<TurnEvent> turnEvents;

    @Inject
    @Channel("nodes")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1_000)
    Emitter<NodeAnnouncement> nodes;

    @Inject
    TurnConfig config;

    private static final io.icemesh.events.v1.EventSerializer SILENT_SERIALIZER = new io.icemesh.events.v1.EventSerializer();

    /** A publisher that builds events as usual and sends none (the warm-up's private server). */
    private boolean silent;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final TokenBucket failureEvents = new TokenBucket(FAILURE_EVENTS_PER_SECOND, FAILURE_EVENTS_PER_SECOND,
            System.nanoTime());
    private volatile URI source;

    private URI source() {
        URI s = source;
        if (s == null) {
            s = URI.create("urn:icemesh:turn-service:" + config.nodeId());
            source = s;
        }
        return s;
    }

    /** A publisher outside CDI that sends nothing: for the warm-up's private server, whose events are not real. */
    public static TurnEventPublisher silent(TurnConfig config) {
        TurnEventPublisher publisher = new TurnEventPublisher();
        publisher.config = config;
        publisher.silent = true;
        return publisher;
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
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder().withId(UUID.randomUUID().toString())
                .withType(EventSchema.cloudEventType("node", announcement.kind())).withSource(source()).build();
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(announcement.nodeId()).build();
        try {
            nodes.send(Message.of(announcement, Metadata.of(ce, key)));
        } catch (RuntimeException e) {
            LOG.warnf("node announcement not queued: %s", e.getMessage());
        }
    }

    /** Events dropped so far (buffer full or failure-event rate limit). */
    public long droppedCount() {
        return dropped.sum();
    }

    private synchronized boolean takeFailureToken() {
        return failureEvents.tryTake(1, System.nanoTime());
    }

    private void send(String key, TurnEvent event) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            dropped.increment();
            return;
        }
        OutgoingCloudEventMetadata<Object> ce = OutgoingCloudEventMetadata.builder().withId(UUID.randomUUID().toString())
                .withType(event.cloudEventType()).withSource(source()).withSubject(key).build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
        Message<TurnEvent> message = Message.of(event, Metadata.of(ce, kafka), () -> {
            inFlight.decrementAndGet();
            return CompletableFuture.completedFuture(null);
        }, failure -> {
            inFlight.decrementAndGet();
            dropped.increment();
            LOG.warnf("turn event %s for %s not delivered: %s", event.type(), key, failure.getMessage());
            return CompletableFuture.completedFuture(null);
        });
        if (silent) {
            // Everything a real event costs but the hand-over to Kafka: built, wrapped and serialized as the
            // producer would (so that the warm-up compiles the JSON writer too), then dropped.
            SILENT_SERIALIZER.serialize("icemesh.turn-events", event);
            inFlight.decrementAndGet();
            return;
        }
        try {
            turnEvents.send(message);
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            dropped.increment();
        }
    }

    private static String text(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
