package io.icemesh.signaling;

import io.icemesh.signaling.media.MediaReplyAssignment;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while this instance can take sessions: it has read the room log up to date, its own heartbeat came back
 * from the broker within {@code icemesh.signaling.room-log.stale-after} (so a broker outage turns it DOWN within
 * seconds), the media-replies consumer has its partitions, and it is not draining. The check only reads fields and
 * never waits on Kafka; the SmallRye channels' own readiness checks, which do wait on their consumers during an
 * outage, are off (application.properties), their liveness checks stay.
 */
@Readiness
@ApplicationScoped
public class RoomLogReadiness implements HealthCheck {

    private final SignalingSessions sessions;
    private final MediaReplyAssignment mediaReplies;

    RoomLogReadiness(SignalingSessions sessions, MediaReplyAssignment mediaReplies) {
        this.sessions = sessions;
        this.mediaReplies = mediaReplies;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("signaling-room-log").status(sessions.ready() && mediaReplies.assigned())
                .withData("roomLog", sessions.ready()).withData("mediaReplyPartitions", mediaReplies.partitions())
                .build();
    }
}
