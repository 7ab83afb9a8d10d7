package io.icemesh.monitor.timeline;

/**
 * One stored entry of a session's timeline.
 *
 * @param timestampMs wall-clock time of the observation, epoch milliseconds
 * @param elapsedMs client-reported milliseconds since the session's start, null when the observer did not say
 * @param source who observed it: client, signaling, media or turn
 * @param type the event type, lower case (e.g. {@code candidate_gathered}, {@code auth_failed})
 * @param detail the event's fields in a few words
 */
public record TimelineEntry(long timestampMs, Long elapsedMs, String source, String type, String detail) {
}
