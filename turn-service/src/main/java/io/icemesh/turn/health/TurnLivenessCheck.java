package io.icemesh.turn.health;

import io.icemesh.turn.server.TurnServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the listeners are open, or while draining (a draining node is alive, just not ready). */
@Liveness
@ApplicationScoped
public class TurnLivenessCheck implements HealthCheck {

    @Inject
    TurnServer server;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("turn-server").status(server.listening() || server.draining()).build();
    }
}
