package io.icemesh.signaling;

import io.icemesh.signaling.room.RoomLog;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the room log's reader thread runs. The reader starts over by itself after a failure; if its thread
 * ever ends anyway, this instance can no longer follow any room, and only a restart helps: liveness turns DOWN, so
 * Kubernetes restarts it (readiness alone would only take it out of the Service, for good).
 */
@Liveness
@ApplicationScoped
public class RoomLogLiveness implements HealthCheck {

    private final RoomLog log;

    RoomLogLiveness(RoomLog log) {
        this.log = log;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("signaling-room-log-reader").status(log.readerAlive()).build();
    }
}
