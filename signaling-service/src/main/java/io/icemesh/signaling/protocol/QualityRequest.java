package io.icemesh.signaling.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * A subscriber's {@code set-quality} message, checked: which simulcast layer it asks media-service to forward, for one
 * track or for all it receives. Becomes a {@link io.icemesh.events.v1.MediaCommandType#SET_QUALITY} command.
 *
 * @param quality {@code low}, {@code medium}, {@code high} or {@code auto}
 * @param trackId the track id (msid's second part, {@code MediaStreamTrack.id} on the subscriber), or null for all
 */
public record QualityRequest(String quality, String trackId) {

    /** The values of {@code quality}: the lowest, middle and highest layer, or bandwidth alone decides. */
    public static final Set<String> QUALITIES = Set.of("low", "medium", "high", "auto");

    /** Longest accepted track id; browsers use 36-character UUIDs, and other clients need not exceed this. */
    public static final int MAX_TRACK_ID_LENGTH = 128;

    /** A {@code set-quality} message without a valid quality or with an invalid track id. */
    public static final class BadQualityRequestException extends Exception {
        BadQualityRequestException(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads {@code quality} (required) and {@code trackId} (optional; absent or null means every track). */
    public static QualityRequest parse(JsonNode msg) throws BadQualityRequestException {
        JsonNode quality = msg.path("quality");
        if (!quality.isTextual() || !QUALITIES.contains(quality.asText())) {
            throw new BadQualityRequestException("set-quality needs \"quality\": one of low, medium, high, auto");
        }
        JsonNode track = msg.path("trackId");
        if (track.isMissingNode() || track.isNull()) {
            return new QualityRequest(quality.asText(), null);
        }
        if (!track.isTextual() || track.asText().isBlank() || track.asText().length() > MAX_TRACK_ID_LENGTH) {
            throw new BadQualityRequestException("set-quality's \"trackId\" must be a non-blank string of at most "
                    + MAX_TRACK_ID_LENGTH + " characters, or absent for every track");
        }
        return new QualityRequest(quality.asText(), track.asText());
    }
}
