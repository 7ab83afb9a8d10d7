package io.icemesh.media.control;

import io.icemesh.events.v1.EventMessages;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.MediaReply;
import io.icemesh.events.v1.MediaReplyType;
import io.icemesh.events.v1.NodeAnnouncement;
import io.icemesh.events.v1.SessionEvent;
import io.icemesh.media.config.MediaConfig;
import io.icemesh.media.room.ReplySink;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Everything media-service writes to Kafka: replies and its own offers on {@code icemesh.media-replies} (keyed by
 * room id, so they stay in order with the commands), session events on {@code icemesh.session-events} (keyed by
 * endpoint id = session id) and announcements on {@code icemesh.nodes} (keyed by node id), all CloudEvents in binary
 * mode. Sending never blocks; a full buffer drops and logs.
 */
@ApplicationScoped
public class MediaPublisher implements ReplySink {

    private static final Logger LOG = Logger.getLogger(MediaPublisher.class);
    private static final int BUFFER = 10_000;

    @Inject
    @Channel("media-replies")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
    Emitter<MediaReply> replies;

    @Inject
    @Channel("session-events")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
    Emitter<SessionEvent> sessionEvents;

    @Inject
    @Channel("nodes")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 100)
    Emitter<NodeAnnouncement> nodes;

    @Inject
    MediaConfig config;

    private URI source() {
        return URI.create("urn:icemesh:media-service:" + config.nodeId());
    }

    @Override
    public void allocated(String requestId, String roomId, String endpointId) {
        reply(MediaReplyType.ALLOCATED, requestId, roomId, endpointId, null, null);
    }

    @Override
    public void answer(String requestId, String roomId, String endpointId, String sdp) {
        reply(MediaReplyType.ANSWER, requestId, roomId, endpointId, sdp, null);
    }

    @Override
    public void offer(String roomId, String endpointId, String sdp) {
        reply(MediaReplyType.OFFER, null, roomId, endpointId, sdp, null);
    }

    @Override
    public void ended(String requestId, String roomId, String endpointId, String reason) {
        reply(MediaReplyType.ENDED, requestId, roomId, endpointId, null, reason);
    }

    /** The answer to a PING: the node is alive and reads its commands. */
    public void pong(String requestId, String roomId, String endpointId) {
        reply(MediaReplyType.PONG, requestId, roomId, endpointId, null, null);
    }

    /** An ERROR reply. */
    public void error(String requestId, String roomId, String endpointId, String reason) {
        reply(MediaReplyType.ERROR, requestId, roomId, endpointId, null, reason);
    }

    private void reply(MediaReplyType type, String requestId, String roomId, String endpointId, String sdp,
            String reason) {
        MediaReply r = new MediaReply(EventSchema.VERSION, type, requestId, config.nodeId(), roomId, endpointId, sdp,
                reason, System.currentTimeMillis());
        send(replies, r, roomId, EventSchema.cloudEventType("media", type));
    }

    /** A session event keyed by its session id. */
    public void sessionEvent(SessionEvent event) {
        send(sessionEvents, event, event.sessionId(), event.cloudEventType());
    }

    /** A node announcement keyed by node id. */
    public void announce(NodeAnnouncement announcement) {
        send(nodes, announcement, announcement.nodeId(), EventSchema.cloudEventType("node", announcement.kind()));
    }

    private <T> void send(Emitter<T> emitter, T payload, String key, String ceType) {
        try {
            emitter.send(EventMessages.of(payload, key, ceType, source()));
        } catch (RuntimeException e) {
            LOG.warnf("%s for %s not queued: %s", ceType, key, e.getMessage());
        }
    }
}
