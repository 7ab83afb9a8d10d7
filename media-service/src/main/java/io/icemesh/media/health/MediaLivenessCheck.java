package io.icemesh.media.health;

import io.icemesh.media.MediaNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the UDP port is bound (a draining node is alive, just not ready). */
@Liveness
@ApplicationScoped
public class MediaLivenessCheck implements HealthCheck {

    @Inject
    MediaNode node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("media-node").status(node.udpPort() > 0).build();
    }
}
