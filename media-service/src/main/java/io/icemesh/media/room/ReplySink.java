package io.icemesh.media.room;

/** Where the room registry's replies and own offers go (Kafka, keyed by room id). */
public interface ReplySink {

    void allocated(String requestId, String roomId, String endpointId);

    void answer(String requestId, String roomId, String endpointId, String sdp);

    /** The SFU's own offer to an endpoint (renegotiation). */
    void offer(String roomId, String endpointId, String sdp);

    void ended(String requestId, String roomId, String endpointId, String reason);
}
