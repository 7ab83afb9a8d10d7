package io.icemesh.monitor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Session meters. Every label set is fixed and registered up front (outcomes, failure reasons, candidate and pair
 * types), so each series is exported from the start and no input can add series.
 */
@Startup
@ApplicationScoped
public class SessionMetrics {

    /** How a session ended up, counted once per session. */
    public enum Outcome { CONNECTED, FAILED, ABANDONED }

    private final Timer gathering;
    private final Timer timeToConnected;
    private final Timer timeToFirstMedia;
    private final Timer eventLag;
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Map<FailureReason, Counter> failures = new EnumMap<>(FailureReason.class);
    private final Map<String, Counter> pairs = new HashMap<>();
    private final Map<String, Counter> candidates = new HashMap<>();

    SessionMetrics(MeterRegistry meters) {
        gathering = sessionTimer("icemesh.monitor.gathering.duration", "ICE gathering time per session", meters);
        timeToConnected = sessionTimer("icemesh.monitor.time.to.connected",
                "Time from a session's start to ICE connected", meters);
        timeToFirstMedia = sessionTimer("icemesh.monitor.time.to.first.media",
                "Time from a session's start to its first media", meters);
        eventLag = Timer.builder("icemesh.monitor.event.lag")
                .description("Delay from an event's timestamp to monitor applying it to the timeline and metrics")
                .serviceLevelObjectives(LatencyBuckets.SESSION)
                .register(meters);
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, Counter.builder("icemesh.monitor.sessions")
                    .description("Sessions by outcome (connected, failed before connecting, abandoned), once each")
                    .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        for (FailureReason r : FailureReason.values()) {
            failures.put(r, Counter.builder("icemesh.monitor.session.failures")
                    .description("Failed sessions by bounded reason, once each")
                    .tag("reason", r.label())
                    .register(meters));
        }
        registerPairsAndCandidates(meters);
    }

    /**
     * Every combination of the bounded label values, unknown included, so that what a client did report is kept when
     * something else is missing (aiortc reports no protocol: its pairs still count under their types).
     */
    private void registerPairsAndCandidates(MeterRegistry meters) {
        for (String protocol : CandidateLabels.PROTOCOL_LABELS) {
            for (String local : CandidateLabels.TYPE_LABELS) {
                candidates.put(local + protocol, candidateCounter(local, protocol, meters));
                for (String remote : CandidateLabels.TYPE_LABELS) {
                    pairs.put(local + remote + protocol, pairCounter(local, remote, protocol, meters));
                }
            }
        }
    }

    private static Counter candidateCounter(String type, String protocol, MeterRegistry meters) {
        return Counter.builder("icemesh.monitor.candidates.gathered")
                .description("Candidates gathered, by type and protocol (unknown: outside the ICE sets)")
                .tag("type", type).tag("protocol", protocol).register(meters);
    }

    private static Counter pairCounter(String local, String remote, String protocol, MeterRegistry meters) {
        return Counter.builder("icemesh.monitor.selected.pairs")
                .description("Selected candidate pairs, by local and remote candidate type and protocol")
                .tag("local_type", local).tag("remote_type", remote).tag("protocol", protocol)
                .register(meters);
    }

    private static Timer sessionTimer(String name, String description, MeterRegistry meters) {
        return Timer.builder(name).description(description)
                .serviceLevelObjectives(LatencyBuckets.SESSION)
                .register(meters);
    }

    public void gathered(long millis) {
        gathering.record(Duration.ofMillis(millis));
    }

    public void connected(long millis) {
        timeToConnected.record(Duration.ofMillis(millis));
    }

    public void firstMedia(long millis) {
        timeToFirstMedia.record(Duration.ofMillis(millis));
    }

    public void eventLag(long millis) {
        eventLag.record(Duration.ofMillis(Math.max(0, millis)));
    }

    public void outcome(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    public void failure(FailureReason reason) {
        failures.get(reason).increment();
    }

    /** Counts a gathered candidate; an unknown type or protocol counts as "unknown", the other label stays. */
    public void candidate(String type, String protocol) {
        candidates.get(CandidateLabels.type(type) + CandidateLabels.protocol(protocol)).increment();
    }

    /** Counts a selected pair; each unknown type or protocol counts as "unknown", the known labels stay. */
    public void selectedPair(String localType, String remoteType, String protocol) {
        pairs.get(CandidateLabels.type(localType) + CandidateLabels.type(remoteType)
                + CandidateLabels.protocol(protocol)).increment();
    }
}
