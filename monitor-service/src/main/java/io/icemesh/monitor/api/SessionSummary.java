package io.icemesh.monitor.api;

import io.icemesh.monitor.diagnosis.Diagnosis;
import io.icemesh.monitor.timeline.TimelineView;

/**
 * One line of {@code GET /api/sessions}.
 *
 * @param sessionId the session
 * @param roomId its room, where known
 * @param status connecting, connected, failed, abandoned or closed; unjoined while only TURN events name it
 * @param firstTimestampMs earliest event, epoch milliseconds
 * @param lastUpdateMs last change, epoch milliseconds
 * @param gatheringMs gathering time
 * @param timeToConnectedMs time to ICE connected
 * @param timeToFirstMediaMs time to first media
 * @param selectedPair the selected pair, e.g. "host/host udp"
 * @param failureReason the bounded failure label
 * @param verdict ok, slow, failed, in_progress or unjoined
 * @param cause the diagnosis in plain words
 */
public record SessionSummary(String sessionId, String roomId, String status, long firstTimestampMs,
        long lastUpdateMs, Long gatheringMs, Long timeToConnectedMs, Long timeToFirstMediaMs, String selectedPair,
        String failureReason, String verdict, String cause) {

    static SessionSummary of(TimelineView t, Diagnosis d) {
        return new SessionSummary(t.sessionId(), t.roomId(), t.status(), t.firstTimestampMs(), t.lastUpdateMs(),
                t.gatheringMs(), t.timeToConnectedMs(), t.timeToFirstMediaMs(),
                t.pair() == null ? null : t.pair().toString(), t.failureReason(), d.verdict(), d.cause());
    }
}
