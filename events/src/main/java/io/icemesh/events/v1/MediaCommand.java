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
        long timestampMs) {
}
