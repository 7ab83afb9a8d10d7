package io.icemesh.events.v1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An allocation event on {@link Topics#TURN_EVENTS}, keyed by session id when the username has one (TURN REST),
 * else by allocation id (or the client address when there is no allocation). The TURN username ties an allocation
 * to a session: for TURN REST credentials it is {@code expiry:sessionId}.
 *
 * @param schemaVersion {@link EventSchema#VERSION}
 * @param type what happened
 * @param nodeId the turn-service node
 * @param allocationId the allocation (null for auth failures before one exists)
 * @param username the TURN username
 * @param sessionId the session id taken from the username, where it has one
 * @param clientAddress the client's transport address (ip:port)
 * @param transport udp, tcp or tls
 * @param relayAddress the relayed transport address
 * @param peerAddress the peer of a permission or channel
 * @param reason why a request failed or an allocation ended
 * @param packetsToPeer packets relayed from the client to peers so far
 * @param bytesToPeer bytes relayed from the client to peers so far
 * @param packetsFromPeer packets relayed from peers to the client so far
 * @param bytesFromPeer bytes relayed from peers to the client so far
 * @param timestampMs epoch milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TurnEvent(
        int schemaVersion,
        TurnEventType type,
        String nodeId,
        String allocationId,
        String username,
        String sessionId,
        String clientAddress,
        String transport,
        String relayAddress,
        String peerAddress,
        String reason,
        Long packetsToPeer,
        Long bytesToPeer,
        Long packetsFromPeer,
        Long bytesFromPeer,
        long timestampMs) {

    /** The CloudEvents type of this event. */
    public String cloudEventType() {
        return cloudEventType(type);
    }

    /** The CloudEvents type of TURN events of {@code type}, e.g. {@code io.icemesh.turn.allocation_created.v1}. */
    public static String cloudEventType(TurnEventType type) {
        return EventSchema.cloudEventType("turn", type);
    }

    /**
     * The session id inside a TURN REST username ({@code expiry:sessionId}), or null for a static user name.
     */
    public static String sessionIdOf(String username) {
        if (username == null) {
            return null;
        }
        int colon = username.indexOf(':');
        if (colon <= 0 || colon == username.length() - 1) {
            return null;
        }
        for (int i = 0; i < colon; i++) {
            if (!Character.isDigit(username.charAt(i))) {
                return null;
            }
        }
        return username.substring(colon + 1);
    }
}
