package io.icemesh.monitor.api;

/**
 * The body of an error answer.
 *
 * @param error what went wrong, in plain words
 */
public record ApiError(String error) {
}
