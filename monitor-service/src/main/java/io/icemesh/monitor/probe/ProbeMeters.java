package io.icemesh.monitor.probe;

import io.icemesh.monitor.metrics.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one probed server, labelled {@code server=<url>}. The label set is bounded by the configured and
 * announced servers (at most {@code icemesh.monitor.probe.max-servers}); the meters are removed with the server.
 */
final class ProbeMeters {

    /** Gauge value while no verdict exists yet. */
    private static final double UNKNOWN = Double.NaN;

    private final MeterRegistry registry;
    private final Timer rtt;
    private final Counter requests;
    private final Counter misses;
    private final AtomicLong healthyBits = new AtomicLong(Double.doubleToLongBits(UNKNOWN));
    private final AtomicLong lossBits = new AtomicLong(Double.doubleToLongBits(0));
    private final List<Meter> all;

    ProbeMeters(String url, MeterRegistry registry) {
        this.registry = registry;
        rtt = Timer.builder("icemesh.monitor.probe.rtt")
                .description("STUN Binding round trip per ICE server")
                .tag("server", url)
                .serviceLevelObjectives(LatencyBuckets.PROBE)
                .register(registry);
        requests = Counter.builder("icemesh.monitor.probe.requests")
                .description("STUN Binding probes sent per ICE server")
                .tag("server", url).register(registry);
        misses = Counter.builder("icemesh.monitor.probe.misses")
                .description("Probes unanswered within the timeout (or unsendable) per ICE server")
                .tag("server", url).register(registry);
        Gauge healthy = Gauge.builder("icemesh.monitor.server.healthy", healthyBits,
                        b -> Double.longBitsToDouble(b.get()))
                .description("1 when the ICE server answers probes, 0 when it is unhealthy, NaN before a verdict")
                .tag("server", url).strongReference(true).register(registry);
        Gauge loss = Gauge.builder("icemesh.monitor.probe.loss.ratio", lossBits, b -> Double.longBitsToDouble(b.get()))
                .description("Share of the recent probe window left unanswered per ICE server")
                .tag("server", url).strongReference(true).register(registry);
        all = List.of(rtt, requests, misses, healthy, loss);
    }

    void sent() {
        requests.increment();
    }

    void answered(long rttNanos) {
        rtt.record(rttNanos, TimeUnit.NANOSECONDS);
    }

    void missed() {
        misses.increment();
    }

    void healthy(boolean healthy) {
        healthyBits.set(Double.doubleToLongBits(healthy ? 1 : 0));
    }

    void lossRatio(double ratio) {
        lossBits.set(Double.doubleToLongBits(ratio));
    }

    void remove() {
        all.forEach(registry::remove);
    }
}
