package io.icemesh.monitor.diagnosis;

import java.util.List;

/**
 * What the timeline says about a session.
 *
 * @param verdict ok, slow, failed or in_progress
 * @param cause the main finding in plain words
 * @param findings every finding, the cause first
 */
public record Diagnosis(String verdict, String cause, List<String> findings) {
}
