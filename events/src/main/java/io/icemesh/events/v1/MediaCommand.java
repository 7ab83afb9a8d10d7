package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A command from signaling to media-service on {@link Topics#MEDIA_COMMANDS}, keyed by room id so that one
 * media node owns a room and sees its commands in order.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param type what to do
 * @param requestId correlates the reply
 * @param nodeId the media node that owns the room (chosen by signaling from {@link Topics#NODES})
 * @param roomId the SFU room
 * @param endpointId the endpoint: the client's session id
 * @param sdp the client's SDP, for OFFER and ANSWER
 * @param timestampMs epoch milliseconds
 * @param quality for SET_QUALITY: {@code low}, {@code medium} or {@code high} asks for the lowest, the middle or the
 *        highest simulcast layer (the subscriber's bandwidth estimate still caps it); {@code auto} withdraws the
 *        request so that bandwidth alone decides, which is the default; null for other commands
 * @param trackId for SET_QUALITY: the track id of one forwarded track (the second part of its msid, what the
 *        subscriber sees as {@code MediaStreamTrack.id}), or null for every track the subscriber receives
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaCommand(
        int schemaVersion,
        MediaCommandType type,
        String requestId,
        String nodeId,
        String roomId,
        String endpointId,
        String sdp,
        long timestampMs,
        String quality,
        String trackId) {

    /** A command without quality or track: every type but SET_QUALITY. */
    public MediaCommand(int schemaVersion, MediaCommandType type, String requestId, String nodeId, String roomId,
            String endpointId, String sdp, long timestampMs) {
        this(schemaVersion, type, requestId, nodeId, roomId, endpointId, sdp, timestampMs, null, null);
    }
}
