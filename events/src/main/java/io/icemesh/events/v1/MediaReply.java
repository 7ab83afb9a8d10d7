package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * media-service's reply or own message on {@link Topics#MEDIA_REPLIES}, keyed by room id.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param type what it is
 * @param requestId the command it answers, null for media-service's own offers
 * @param nodeId the media node
 * @param roomId the SFU room
 * @param endpointId the endpoint (the client's session id)
 * @param sdp SDP for ANSWER and OFFER
 * @param reason why, for ERROR and ENDED
 * @param timestampMs epoch milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaReply(
        int schemaVersion,
        MediaReplyType type,
        String requestId,
        String nodeId,
        String roomId,
        String endpointId,
        String sdp,
        String reason,
        long timestampMs) {
}
