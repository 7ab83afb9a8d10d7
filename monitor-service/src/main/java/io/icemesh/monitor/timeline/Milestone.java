package io.icemesh.monitor.timeline;

/**
 * A point a session reached for the first time, reported once by {@link Timeline} so that it is measured once.
 *
 * @param kind which point
 * @param millis for durations, milliseconds since the session's start (gathering: since gathering started)
 */
public record Milestone(Kind kind, long millis) {

    /** The points measured. */
    public enum Kind {
        /** Gathering completed; millis is the gathering time. */
        GATHERED,
        /** ICE reached connected (or completed); millis is the time to connected. */
        CONNECTED,
        /** First media arrived; millis is the time to first media. */
        FIRST_MEDIA,
        /** The session failed before connecting; see {@link Timeline#failureText()}. */
        FAILED,
        /** The session failed after it had connected. */
        FAILED_AFTER_CONNECTED,
        /** The session closed before it connected or failed. */
        ABANDONED
    }
}
