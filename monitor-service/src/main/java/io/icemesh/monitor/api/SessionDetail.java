package io.icemesh.monitor.api;

import io.icemesh.monitor.diagnosis.Diagnosis;
import io.icemesh.monitor.timeline.TimelineView;

/**
 * {@code GET /api/sessions/{id}}: the whole timeline and its diagnosis.
 *
 * @param timeline the session's timeline
 * @param diagnosis what it says
 */
public record SessionDetail(TimelineView timeline, Diagnosis diagnosis) {
}
