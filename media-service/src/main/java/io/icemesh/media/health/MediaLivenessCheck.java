package io.icemesh.media.health;

import io.icemesh.media.MediaNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the UDP port is bound and the node's timer thread runs (stuck for longer than the consent timeout, the
 * node can no longer stop sending to clients whose consent ran out: a restart is better). A draining node is alive,
 * just not ready.
 */
@Liveness
@ApplicationScoped
public class MediaLivenessCheck implements HealthCheck {

    @Inject
    MediaNode node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("media-node").status(node.udpPort() > 0 && !node.timersStuck())
                .withData("timerLagMs", node.timerLagMillis()).build();
    }
}
