package io.icemesh.monitor.diagnosis;

import java.util.List;

/**
 * What the timeline says about a session.
 *
 * @param verdict ok, slow, failed, in_progress, or unjoined for a session known from TURN events alone
 * @param cause the main finding in plain words
 * @param findings every finding, the cause first
 */
public record Diagnosis(String verdict, String cause, List<String> findings) {
}
