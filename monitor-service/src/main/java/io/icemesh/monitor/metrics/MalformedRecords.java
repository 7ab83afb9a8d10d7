package io.icemesh.monitor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The one counter of unreadable event records every consumer drops: {@code icemesh_monitor_events_malformed_total}. */
public final class MalformedRecords {

    private MalformedRecords() {
    }

    /** The counter for {@code topic} (without the {@code icemesh.} prefix, e.g. {@code turn-events}). */
    public static Counter counter(MeterRegistry meters, String topic) {
        return Counter.builder("icemesh.monitor.events.malformed")
                .description("Event records dropped because they could not be read")
                .tag("topic", topic)
                .register(meters);
    }
}
