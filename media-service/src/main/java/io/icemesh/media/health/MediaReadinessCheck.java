package io.icemesh.media.health;

import io.icemesh.media.MediaNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the media UDP port is bound and the node is not draining (Kafka has its own readiness check). */
@Readiness
@ApplicationScoped
public class MediaReadinessCheck implements HealthCheck {

    @Inject
    MediaNode node;

    @Override
    public HealthCheckResponse call() {
        boolean up = node.udpPort() > 0 && !node.draining();
        return HealthCheckResponse.named("media-udp").status(up).withData("udpPort", node.udpPort())
                .withData("draining", node.draining()).withData("endpoints", node.endpointCount()).build();
    }
}
