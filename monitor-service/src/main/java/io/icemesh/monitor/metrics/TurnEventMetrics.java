package io.icemesh.monitor.metrics;

import io.icemesh.events.v1.TurnEvent;
import io.icemesh.events.v1.TurnEventType;
import io.icemesh.monitor.MonitorConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * TURN meters from turn-service's events: events by type, live allocations, and relayed traffic. turn-service
 * reports cumulative counters per allocation, so the last values of each live allocation are remembered (within
 * a bound) and only increments are added; a counter that goes backwards is taken as a restart from zero.
 */
@Startup
@ApplicationScoped
public class TurnEventMetrics {

    private static final int TO_PEER_PACKETS = 0;
    private static final int TO_PEER_BYTES = 1;
    private static final int FROM_PEER_PACKETS = 2;
    private static final int FROM_PEER_BYTES = 3;

    private final Map<TurnEventType, Counter> byType = new EnumMap<>(TurnEventType.class);
    private final Counter[] traffic = new Counter[4];
    private final int maxTracked;
    private final LinkedHashMap<String, long[]> live = new LinkedHashMap<>();

    TurnEventMetrics(MeterRegistry meters, MonitorConfig config) {
        maxTracked = config.turn().maxTrackedAllocations();
        for (TurnEventType t : TurnEventType.values()) {
            byType.put(t, Counter.builder("icemesh.monitor.turn.events")
                    .description("TURN events from turn-service, by type")
                    .tag("type", t.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        traffic[TO_PEER_PACKETS] = trafficCounter("packets", "to_peer", meters);
        traffic[TO_PEER_BYTES] = trafficCounter("bytes", "to_peer", meters);
        traffic[FROM_PEER_PACKETS] = trafficCounter("packets", "from_peer", meters);
        traffic[FROM_PEER_BYTES] = trafficCounter("bytes", "from_peer", meters);
        Gauge.builder("icemesh.monitor.turn.allocations.active", this, TurnEventMetrics::active)
                .description("TURN allocations created and not yet deleted or expired (capped at the tracking bound)")
                .register(meters);
    }

    private static Counter trafficCounter(String unit, String direction, MeterRegistry meters) {
        return Counter.builder("icemesh.monitor.turn.relayed." + unit)
                .description("Traffic relayed by TURN allocations, from turn-service's counters")
                .baseUnit(unit)
                .tag("direction", direction)
                .register(meters);
    }

    public synchronized void record(TurnEvent e) {
        byType.get(e.type()).increment();
        String id = e.allocationId();
        if (id == null) {
            return;
        }
        switch (e.type()) {
            case ALLOCATION_CREATED -> track(id);
            case TRAFFIC, ALLOCATION_REFRESHED -> addTraffic(track(id), e);
            case ALLOCATION_DELETED, ALLOCATION_EXPIRED -> {
                long[] last = live.remove(id);
                if (last != null) {
                    addTraffic(last, e);
                }
            }
            default -> {
                // permissions, channels and refusals carry no traffic
            }
        }
    }

    private synchronized double active() {
        return live.size();
    }

    private long[] track(String id) {
        long[] last = live.get(id);
        if (last == null) {
            if (live.size() >= maxTracked) {
                Iterator<String> eldest = live.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            last = new long[4];
            live.put(id, last);
        }
        return last;
    }

    private void addTraffic(long[] last, TurnEvent e) {
        add(last, TO_PEER_PACKETS, e.packetsToPeer());
        add(last, TO_PEER_BYTES, e.bytesToPeer());
        add(last, FROM_PEER_PACKETS, e.packetsFromPeer());
        add(last, FROM_PEER_BYTES, e.bytesFromPeer());
    }

    private void add(long[] last, int index, Long cumulative) {
        if (cumulative == null) {
            return;
        }
        long delta = cumulative >= last[index] ? cumulative - last[index] : cumulative;
        last[index] = cumulative;
        if (delta > 0) {
            traffic[index].increment(delta);
        }
    }
}
