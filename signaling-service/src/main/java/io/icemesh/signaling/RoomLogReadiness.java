package io.icemesh.signaling;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while this instance can take sessions: it has read the room log up to date, its own heartbeat came back
 * from the broker within {@code icemesh.signaling.room-log.stale-after} (so a broker outage turns it DOWN within
 * seconds; the check only reads two fields and never waits on Kafka), and it is not draining.
 */
@Readiness
@ApplicationScoped
public class RoomLogReadiness implements HealthCheck {

    private final SignalingSessions sessions;

    RoomLogReadiness(SignalingSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("signaling-room-log").status(sessions.ready()).build();
    }
}
