package io.icemesh.media.control;

import io.icemesh.events.v1.MediaCommand;
import io.icemesh.media.config.MediaConfig;
import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.ice.IceSession;
import io.icemesh.media.room.ControlException;
import io.icemesh.media.room.Rooms;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code icemesh.media-commands} and carries out those addressed to this node, in order (one blocking worker:
 * commands of a room are keyed to one partition). Unreadable, stale and other nodes' commands are counted and dropped;
 * a command that cannot be carried out gets an ERROR reply with the reason.
 */
@ApplicationScoped
public class MediaCommandConsumer {

    private static final Logger LOG = Logger.getLogger(MediaCommandConsumer.class);

    @Inject
    CommandTarget node;

    @Inject
    MediaPublisher publisher;

    @Inject
    MediaConfig config;

    @Inject
    MeterRegistry registry;

    @Incoming("media-commands")
    @Blocking(ordered = true)
    public void onCommand(ConsumerRecord<String, MediaCommand> record) {
        MediaCommand c = record.value();
        if (c == null) {
            registry.counter("icemesh.media.commands.dropped", "reason", "unreadable").increment();
            return;
        }
        if (!config.nodeId().equals(c.nodeId())) {
            registry.counter("icemesh.media.commands.dropped", "reason", "other-node").increment();
            return;
        }
        if (System.currentTimeMillis() - c.timestampMs() > config.control().maxCommandAge().toMillis()) {
            registry.counter("icemesh.media.commands.dropped", "reason", "stale").increment();
            return;
        }
        registry.counter("icemesh.media.commands", "type", c.type().name().toLowerCase(Locale.ROOT)).increment();
        LOG.debugf("%s for endpoint %s arrived %d ms after signaling sent it", c.type(), c.endpointId(),
                System.currentTimeMillis() - c.timestampMs());
        Rooms rooms = node.rooms();
        try {
            switch (c.type()) {
                case ALLOCATE -> {
                    rooms.allocate(c.requestId(), c.roomId(), c.endpointId());
                }
                case OFFER -> {
                    rooms.offer(c.requestId(), c.roomId(), c.endpointId(), requireSdp(c));
                    Endpoint e = rooms.find(c.endpointId());
                    if (e != null) {
                        node.watchIceTimeout(e);
                    }
                }
                case ANSWER -> {
                    Endpoint e = rooms.find(c.endpointId());
                    boolean restart = e != null && e.negotiation().restartOffered();
                    rooms.answer(c.roomId(), c.endpointId(), requireSdp(c));
                    IceSession restarting = e == null ? null : e.transport().restartingIce();
                    if (restart && restarting != null) {
                        node.watchIceRestartTimeout(e, restarting);
                    }
                }
                case END -> rooms.end(c.requestId(), c.roomId(), c.endpointId());
                case ICE_RESTART -> rooms.iceRestart(c.roomId(), c.endpointId());
                case SET_QUALITY -> rooms.setQuality(c.roomId(), c.endpointId(), c.quality(), c.trackId());
                case PING -> publisher.pong(c.requestId(), c.roomId(), c.endpointId());
            }
        } catch (ControlException e) {
            LOG.infof("%s for endpoint %s in room %s refused: %s", c.type(), c.endpointId(), c.roomId(), e.getMessage());
            publisher.error(c.requestId(), c.roomId(), c.endpointId(), e.getMessage());
        } catch (RuntimeException | ExceptionInInitializerError e) {
            // A bug must not stop the channel: the node keeps serving its other rooms.
            LOG.errorf(e, "%s for endpoint %s in room %s failed", c.type(), c.endpointId(), c.roomId());
            publisher.error(c.requestId(), c.roomId(), c.endpointId(), "internal error: " + e.getClass().getSimpleName());
        }
    }

    private static String requireSdp(MediaCommand c) throws ControlException {
        if (c.sdp() == null || c.sdp().isBlank()) {
            throw new ControlException(c.type() + " needs sdp");
        }
        return c.sdp();
    }
}
