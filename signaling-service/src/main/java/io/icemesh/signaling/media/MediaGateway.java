package io.icemesh.signaling.media;

import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.MediaCommand;
import io.icemesh.events.v1.MediaCommandType;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.signaling.config.SignalingConfig;
import io.icemesh.signaling.protocol.QualityRequest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Signaling's side of the media-service control channel: commands out on {@code icemesh.media-commands} and replies
 * in from {@code icemesh.media-replies}, both keyed by room. A command that expects a reply fails with
 * {@link MediaTimeoutException} when none comes within {@code icemesh.signaling.media.reply-timeout}; never a hang.
 * Messages media-service sends on its own (renegotiation offers, ended endpoints) and errors for commands that
 * expect no reply (answers, ICE restarts, quality requests) go to one handler; every instance reads every reply.
 */
@ApplicationScoped
public class MediaGateway {

    /** A reply did not arrive in time. */
    public static final class MediaTimeoutException extends RuntimeException {
        MediaTimeoutException(String message) {
            super(message, null, false, false);
        }
    }

    private final Map<String, CompletableFuture<MediaReply>> pending = new ConcurrentHashMap<>();
    /** Commands (other than pings) waiting for their reply, by node. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> waiting = new ConcurrentHashMap<>();
    /** When this instance last sent each node a command that expects a reply (other than a ping), epoch ms. */
    private final Map<String, Long> lastRequestAt = new ConcurrentHashMap<>();
    /** When this instance last sent each node a client's answer to the node's renegotiation offer, epoch ms. */
    private final Map<String, Long> lastTellAt = new ConcurrentHashMap<>();
    private volatile BiConsumer<MediaReply, String> unsolicited = (reply, ref) -> { };
    /** A ping whose reply timed out: the node and when it was sent (epoch ms). */
    private record ExpiredPing(String nodeId, long sentAtMs) {
    }

    /** Pings that timed out, by request id, kept {@link #LATE_PONG_KEPT_MS} for an answer that comes late. */
    private final Map<String, ExpiredPing> expiredPings = new ConcurrentHashMap<>();
    private static final long LATE_PONG_KEPT_MS = 30_000;
    private static final int EXPIRED_PINGS_KEPT = 10_000;
    private volatile BiConsumer<String, Long> latePong = (node, sentAt) -> { };

    @Inject
    @Channel("media-commands")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    Emitter<MediaCommand> commands;

    @Inject
    Vertx vertx;

    @Inject
    SignalingConfig config;

    /** Sends a command and completes with its reply (or an ERROR reply), or fails after the reply timeout. */
    public CompletionStage<MediaReply> request(MediaCommandType type, String nodeId, String room, String endpoint,
            String sdp) {
        return request(type, nodeId, room, endpoint, sdp, config.media().replyTimeout().toMillis());
    }

    /** Sends a command and completes with its reply, or fails after {@code timeoutMs}. */
    public CompletionStage<MediaReply> request(MediaCommandType type, String nodeId, String room, String endpoint,
            String sdp, long timeoutMs) {
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<MediaReply> reply = new CompletableFuture<>();
        pending.put(requestId, reply);
        long sentAt = System.currentTimeMillis();
        if (type != MediaCommandType.PING) {
            java.util.concurrent.atomic.AtomicInteger n = waiting.computeIfAbsent(nodeId,
                    k -> new java.util.concurrent.atomic.AtomicInteger());
            n.incrementAndGet();
            lastRequestAt.put(nodeId, sentAt);
            reply.whenComplete((r, e) -> n.decrementAndGet());
        }
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (pending.remove(requestId) != null) {
                if (type == MediaCommandType.PING) {
                    long now = System.currentTimeMillis();
                    if (expiredPings.size() >= EXPIRED_PINGS_KEPT) {
                        expiredPings.values().removeIf(p -> now - p.sentAtMs() > LATE_PONG_KEPT_MS);
                        if (expiredPings.size() >= EXPIRED_PINGS_KEPT) {
                            expiredPings.clear();
                        }
                    }
                    expiredPings.put(requestId, new ExpiredPing(nodeId, sentAt));
                }
                reply.completeExceptionally(new MediaTimeoutException("media-service node " + nodeId
                        + " did not answer " + type + " within " + timeoutMs + " ms"));
            }
        });
        reply.whenComplete((r, e) -> vertx.cancelTimer(timer));
        send(new MediaCommand(EventSchema.VERSION, type, requestId, nodeId, room, endpoint, sdp, sentAt));
        return reply;
    }

    /**
     * Whether the node was busy with commands from this instance when it stopped answering at {@code silentSince}: one
     * (other than a ping) still waits for its reply, or a client's answer to the node's renegotiation (handled in the
     * same ordered worker as pings, with no reply) went to it, sent less than {@code withinMs} ago and before
     * {@code silentSince}. Commands sent after the node went silent say nothing of it (a user leaving a frozen call);
     * a node that leaves commands unanswered for longer is stuck, not busy.
     */
    public boolean busy(String nodeId, long withinMs, long silentSince) {
        long now = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicInteger n = waiting.get(nodeId);
        Long last = lastRequestAt.get(nodeId);
        Long told = lastTellAt.get(nodeId);
        return (n != null && n.get() > 0 && last != null && now - last < withinMs && last <= silentSince)
                || (told != null && now - told < withinMs && told <= silentSince);
    }

    /** Sends a command that has no reply (an answer to the SFU's offer, or the end of an endpoint). */
    public void tell(MediaCommandType type, String nodeId, String room, String endpoint, String sdp) {
        if (type == MediaCommandType.ANSWER) {
            lastTellAt.put(nodeId, System.currentTimeMillis());
        }
        send(new MediaCommand(EventSchema.VERSION, type, UUID.randomUUID().toString(), nodeId, room, endpoint, sdp,
                System.currentTimeMillis()));
    }

    /**
     * Asks for a simulcast layer for a subscriber's tracks; no reply unless media-service refuses (an ERROR to the
     * endpoint's listener).
     */
    public void setQuality(String nodeId, String room, String endpoint, QualityRequest request) {
        send(new MediaCommand(EventSchema.VERSION, MediaCommandType.SET_QUALITY, UUID.randomUUID().toString(), nodeId,
                room, endpoint, null, System.currentTimeMillis(), request.quality(), request.trackId()));
    }

    /**
     * Routes media-service's own messages (renegotiation offers, ended endpoints, refusals of commands that expect
     * no reply) to {@code handler}, with a reference to the record they came in ({@code partition:offset} of
     * {@code icemesh.media-replies}) that is the same on every signaling instance.
     */
    public void onUnsolicited(BiConsumer<MediaReply, String> handler) {
        this.unsolicited = handler;
    }

    /**
     * Tells {@code handler} of a PONG that came after its ping had timed out (the node and when the ping was sent):
     * the node is slow, not gone.
     */
    public void onLatePong(BiConsumer<String, Long> handler) {
        this.latePong = handler;
    }

    @Incoming("media-replies")
    public void onReply(ConsumerRecord<String, MediaReply> record) {
        MediaReply reply = record.value();
        if (reply == null) {
            return;
        }
        CompletableFuture<MediaReply> waiting = reply.requestId() == null ? null : pending.remove(reply.requestId());
        if (waiting != null) {
            waiting.complete(reply);
            return;
        }
        if (reply.type() == MediaReplyType.PONG && reply.requestId() != null) {
            ExpiredPing late = expiredPings.remove(reply.requestId());
            if (late != null && late.nodeId().equals(reply.nodeId())) {
                latePong.accept(late.nodeId(), late.sentAtMs());
            }
            return;
        }
        if (reply.type() == MediaReplyType.OFFER || reply.type() == MediaReplyType.ENDED
                || reply.type() == MediaReplyType.ERROR) {
            unsolicited.accept(reply, "media-replies:" + record.partition() + ":" + record.offset());
        }
    }

    private void send(MediaCommand command) {
        commands.send(Message.of(command).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(command.roomId()).build()));
    }
}
