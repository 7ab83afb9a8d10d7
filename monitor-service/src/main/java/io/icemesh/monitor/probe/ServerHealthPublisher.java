package io.icemesh.monitor.probe;

import io.icemesh.events.v1.EventMessages;
import io.icemesh.events.v1.EventSchema;
import io.icemesh.events.v1.ServerHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Publishes {@link ServerHealth} on the compacted {@code icemesh.server-health} topic as CloudEvents (binary
 * mode), keyed by server URL so that compaction keeps the latest verdict per server. Never blocks the prober:
 * events wait in the emitter's buffer while the producer is busy.
 */
@Startup
@ApplicationScoped
public class ServerHealthPublisher {

    /** The outgoing channel; topic and serializer are in application.properties. */
    public static final String CHANNEL = "server-health";

    static final URI SOURCE = URI.create("/icemesh/monitor-service");
    /** CloudEvents type, after the {@code io.icemesh.<kind>.<type>.v<version>} pattern of the contract. */
    static final String CE_TYPE = EventSchema.CE_TYPE_PREFIX + "health.server_health.v" + EventSchema.VERSION;

    /** Health events held while the producer is busy: a few hundred bytes each. */
    private static final int BUFFER_SIZE = 4096;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER_SIZE)
    Emitter<ServerHealth> emitter;

    private final Counter healthy;
    private final Counter unhealthy;

    ServerHealthPublisher(MeterRegistry meters) {
        healthy = published("true", meters);
        unhealthy = published("false", meters);
    }

    private static Counter published(String healthy, MeterRegistry meters) {
        return Counter.builder("icemesh.monitor.health.published")
                .description("ServerHealth events published (on every change and periodically)")
                .tag("healthy", healthy).register(meters);
    }

    public void publish(ServerStatus s) {
        ServerHealth event = new ServerHealth(EventSchema.VERSION, s.url(), s.healthy(), s.rttP50Ms(), s.rttP95Ms(),
                s.lossRatio(), s.detail(), s.checkedAtMs());
        emitter.send(EventMessages.of(event, s.url(), CE_TYPE, SOURCE));
        (s.healthy() ? healthy : unhealthy).increment();
    }
}
