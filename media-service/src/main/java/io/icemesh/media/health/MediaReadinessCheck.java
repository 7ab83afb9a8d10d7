package io.icemesh.media.health;

import io.icemesh.media.MediaNode;
import io.icemesh.media.control.CommandAssignment;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when start-up is done (the media UDP port bound, the warm-ups run), the command consumer has its partitions
 * (commands are read from the latest offset: before that, one would be missed) and the node is not draining (Kafka has
 * its own readiness check).
 */
@Readiness
@ApplicationScoped
public class MediaReadinessCheck implements HealthCheck {

    @Inject
    MediaNode node;

    @Inject
    CommandAssignment commands;

    @Override
    public HealthCheckResponse call() {
        boolean up = node.started() && node.udpPort() > 0 && commands.assigned() && !node.draining();
        return HealthCheckResponse.named("media-udp").status(up).withData("udpPort", node.udpPort())
                .withData("commandPartitions", commands.partitions())
                .withData("started", node.started()).withData("draining", node.draining())
                .withData("endpoints", node.endpointCount()).build();
    }
}
