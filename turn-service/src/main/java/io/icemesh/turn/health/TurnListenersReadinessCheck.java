package io.icemesh.turn.health;

import io.icemesh.turn.server.TurnServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when every configured STUN/TURN listener is bound and the node is not draining (Kafka has its own check). */
@Readiness
@ApplicationScoped
public class TurnListenersReadinessCheck implements HealthCheck {

    @Inject
    TurnServer server;

    @Override
    public HealthCheckResponse call() {
        boolean up = server.listening() && !server.draining();
        return HealthCheckResponse.named("turn-listeners").status(up)
                .withData("udpPort", server.udpPort()).withData("tcpPort", server.tcpPort())
                .withData("tlsPort", server.tlsPort()).withData("draining", server.draining())
                .withData("allocations", server.activeAllocations()).build();
    }
}
