package io.icemesh.signaling.events;

import io.icemesh.events.v1.EventMessages;
import io.icemesh.events.v1.SessionEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Publishes session events to Kafka as CloudEvents (binary mode), keyed by session id so that one session's
 * events stay in order. Sending never blocks the caller: events wait in the emitter's buffer and then in the
 * producer, which retries until the broker is back (see the channel's delivery.timeout.ms).
 */
@ApplicationScoped
public class SessionEventPublisher {

    /** The outgoing channel; its topic and serializer are in application.properties. */
    public static final String CHANNEL = "session-events";

    static final URI SOURCE = URI.create("/icemesh/signaling-service");

    /** Events held while the producer is busy: about 1 KiB each, so at most ~16 MiB. */
    private static final int BUFFER_SIZE = 16_384;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER_SIZE)
    Emitter<SessionEvent> emitter;

    public void publish(SessionEvent event) {
        emitter.send(EventMessages.of(event, event.sessionId(), event.cloudEventType(), SOURCE));
    }
}
