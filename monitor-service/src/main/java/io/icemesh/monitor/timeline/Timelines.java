package io.icemesh.monitor.timeline;

import io.icemesh.events.v1.SessionEvent;
import io.icemesh.events.v1.SessionEventType;
import io.icemesh.events.v1.TurnEvent;
import io.icemesh.monitor.MonitorConfig;
import io.icemesh.monitor.metrics.SessionMetrics;
import io.icemesh.monitor.probe.TurnAllocateProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Joins session and TURN events into per-session timelines and turns the milestones they reach into session
 * metrics. The entry point for consumers (events in) and the REST API (views out). Timelines are made by sessions
 * that joined on signaling (session events) and by authenticated TURN allocations; TURN refusals, which anyone can
 * cause with any username, and monitor's own TURN probe make none. TURN events that join no timeline are counted by
 * cause.
 */
@Startup
@ApplicationScoped
public class Timelines {

    private final TimelineStore store;
    private final SessionMetrics metrics;
    private final Vertx vertx;
    private final long sweepMillis;
    private final long abandonAfterMillis;
    private long sweepTimer = -1;
    private final Map<TimelineStore.Eviction, Counter> evictions = new EnumMap<>(TimelineStore.Eviction.class);
    private final Map<Unjoined, Counter> unjoined = new EnumMap<>(Unjoined.class);

    /** Why a TURN event joined no timeline; lower case, the counter's {@code cause} tag. */
    enum Unjoined {
        /** The username names no session: a static TURN user. */
        STATIC_USER,
        /** monitor's own authenticated TURN probe ({@link TurnAllocateProbe#PROBE_SESSION_ID}). */
        PROBE,
        /** A refusal naming a session that got no timeline while it was held (made up, or long gone). */
        UNKNOWN_SESSION
    }

    Timelines(MonitorConfig config, SessionMetrics metrics, MeterRegistry meters, Vertx vertx) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.sweepMillis = config.timelines().sweepInterval().toMillis();
        this.abandonAfterMillis = config.timelines().abandonAfter().toMillis();
        for (TimelineStore.Eviction e : TimelineStore.Eviction.values()) {
            evictions.put(e, Counter.builder("icemesh.monitor.timelines.evicted")
                    .description("Timelines dropped from memory: capacity (least recently updated) or age")
                    .tag("cause", e.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        for (Unjoined u : Unjoined.values()) {
            unjoined.put(u, Counter.builder("icemesh.monitor.turn.events.unjoined")
                    .description("TURN events that joined no session timeline: static TURN users, monitor's own"
                            + " probe, refusals naming a session that has no timeline")
                    .tag("cause", u.name().toLowerCase(Locale.ROOT))
                    .register(meters));
        }
        MonitorConfig.Timelines t = config.timelines();
        HeldRefusals held = new HeldRefusals(t.maxHeldRefusalSessions(), t.refusalHold().toMillis(),
                refusals -> unjoined.get(Unjoined.UNKNOWN_SESSION).increment(refusals));
        store = new TimelineStore(t.maxSessions(), t.maxEntries(), t.maxAge().toMillis(),
                (cause, count) -> evictions.get(cause).increment(count), held);
        Gauge.builder("icemesh.monitor.timelines.active", store, TimelineStore::size)
                .description("Session timelines held in memory")
                .register(meters);
        Gauge.builder("icemesh.monitor.turn.refusals.held", store, TimelineStore::heldSessions)
                .description("Sessions with TURN refusals held for a timeline that does not exist (yet)")
                .register(meters);
    }

    /** Applies a session event and records the metrics of the milestones it reached. */
    public void apply(SessionEvent event) {
        long now = System.currentTimeMillis();
        metrics.eventLag(now - event.timestampMs());
        if (event.type() == SessionEventType.CANDIDATE_GATHERED) {
            metrics.candidate(event.candidateType(), event.protocol());
        } else if (event.type() == SessionEventType.SELECTED_PAIR) {
            metrics.selectedPair(event.localCandidateType(), event.remoteCandidateType(), event.protocol());
        }
        TimelineStore.Applied applied = store.apply(event, now);
        for (Milestone m : applied.milestones()) {
            record(m, applied);
        }
    }

    /**
     * Applies a TURN event to the timeline of the session its username names. Events of static users and of
     * monitor's own probe are counted as unjoined; a refusal joins only a timeline that exists, or one created for
     * its session within the refusal hold, and is counted as unjoined otherwise.
     */
    public void apply(TurnEvent event) {
        String sessionId = event.sessionId() != null ? event.sessionId() : TurnEvent.sessionIdOf(event.username());
        if (sessionId == null) {
            unjoined.get(Unjoined.STATIC_USER).increment();
        } else if (TurnAllocateProbe.PROBE_SESSION_ID.equals(sessionId)) {
            unjoined.get(Unjoined.PROBE).increment();
        } else {
            store.apply(sessionId, event, System.currentTimeMillis());
        }
    }

    public Optional<TimelineView> view(String sessionId) {
        return store.view(sessionId);
    }

    public List<TimelineView> recent(int limit) {
        return store.recent(limit);
    }

    void start(@Observes StartupEvent started) {
        sweepTimer = vertx.setPeriodic(sweepMillis, id -> sweep(System.currentTimeMillis()));
    }

    /** Ends sessions gone quiet as abandoned, then drops timelines past their age. */
    void sweep(long nowMs) {
        int abandoned = store.abandonIdle(nowMs, abandonAfterMillis);
        for (int i = 0; i < abandoned; i++) {
            metrics.outcome(SessionMetrics.Outcome.ABANDONED);
        }
        store.expire(nowMs);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
    }

    private void record(Milestone m, TimelineStore.Applied applied) {
        switch (m.kind()) {
            case GATHERED -> metrics.gathered(m.millis());
            case CONNECTED -> {
                metrics.connected(m.millis());
                metrics.outcome(SessionMetrics.Outcome.CONNECTED);
            }
            case FIRST_MEDIA -> metrics.firstMedia(m.millis());
            case FAILED -> {
                metrics.outcome(SessionMetrics.Outcome.FAILED);
                metrics.failure(applied.failureReason());
            }
            case FAILED_AFTER_CONNECTED -> metrics.failure(applied.failureReason());
            case ABANDONED -> metrics.outcome(SessionMetrics.Outcome.ABANDONED);
        }
    }
}
