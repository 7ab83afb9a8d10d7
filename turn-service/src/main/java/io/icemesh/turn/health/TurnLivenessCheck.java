package io.icemesh.turn.health;

import io.icemesh.turn.server.TurnServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the listeners are open, while the JIT warm-up runs before they open, or while draining (a warming or
 * draining node is alive, just not ready).
 */
@Liveness
@ApplicationScoped
public class TurnLivenessCheck implements HealthCheck {

    @Inject
    TurnServer server;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("turn-server").status(server.listening() || server.warmingUp() || server.draining()).build();
    }
}
