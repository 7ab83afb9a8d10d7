package io.icemesh.monitor.timeline;

import java.util.List;
import java.util.Set;

/**
 * An immutable copy of one session's timeline, taken under the store's lock, for the REST API and the diagnosis.
 *
 * @param sessionId the session
 * @param roomId its room, where known
 * @param peerId its peer, where known
 * @param status connecting, connected, failed, abandoned or closed; unjoined while only TURN events name the session
 *     (its TURN credentials are in use, but it has not joined a room or reported ICE)
 * @param firstTimestampMs earliest event timestamp, epoch milliseconds
 * @param lastUpdateMs when the timeline last changed (monitor's clock), epoch milliseconds
 * @param gatheringMs gathering time, null until gathering completed
 * @param timeToConnectedMs time from the session's start to ICE connected, null until connected
 * @param timeToFirstMediaMs time from the session's start to the first media, null until then
 * @param candidateTypes the candidate types gathered (host, srflx, prflx, relay, unknown)
 * @param candidateServers ICE server URLs that produced a candidate
 * @param pair the last selected candidate pair, null if none
 * @param failureText the failure reason as reported, null unless failed
 * @param failureReason the bounded failure label, null unless failed
 * @param turnAllocations TURN allocations created for this session
 * @param turnFailures the last TURN refusals for this session (at most 16, oldest dropped first)
 * @param entries the stored entries in arrival order
 * @param entriesDropped entries not stored because the timeline was full
 * @param natEvidence null, or how the client's NAT was seen mapping one socket to two ports for two STUN servers
 *     (its mapping depends on the destination: a symmetric NAT)
 * @param mediaNode the media-service node serving the session's SFU room (the latest: rooms move), null in P2P rooms
 */
public record TimelineView(
        String sessionId,
        String roomId,
        String peerId,
        String status,
        long firstTimestampMs,
        long lastUpdateMs,
        Long gatheringMs,
        Long timeToConnectedMs,
        Long timeToFirstMediaMs,
        Set<String> candidateTypes,
        Set<String> candidateServers,
        SelectedPair pair,
        String failureText,
        String failureReason,
        int turnAllocations,
        List<TurnFailure> turnFailures,
        List<Entry> entries,
        int entriesDropped,
        String natEvidence,
        String mediaNode) {

    /** A selected candidate pair. */
    public record SelectedPair(String localType, String remoteType, String protocol, Double rttMs) {

        /** Whether either end is a relay candidate. */
        public boolean relayed() {
            return "relay".equals(localType) || "relay".equals(remoteType);
        }

        @Override
        public String toString() {
            return localType + "/" + remoteType + " " + protocol;
        }
    }

    /** A TURN refusal seen for the session. */
    public record TurnFailure(String type, String reason) {
    }

    /**
     * A timeline entry with its offset.
     *
     * @param atMs milliseconds since the session's start
     * @param timestampMs epoch milliseconds
     * @param source client, signaling, media or turn
     * @param type event type, lower case
     * @param detail the event's fields in a few words
     */
    public record Entry(long atMs, long timestampMs, String source, String type, String detail) {
    }
}
