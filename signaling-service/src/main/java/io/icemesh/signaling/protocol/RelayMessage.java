package io.icemesh.signaling.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/**
 * A client's {@code offer}, {@code answer} or {@code candidate} message, checked against docs/signaling-protocol.md
 * ("Client to server"): {@code to} and {@code sdp} (a non-empty string), or {@code to} and {@code candidate} (an
 * RTCIceCandidateInit, W3C WebRTC 1.0 section 4.8.1.2). Any other field is refused, so a peer receives exactly the
 * fields the protocol names. The sdp needs no limit of its own: the whole message is within
 * {@code max-message-bytes}.
 *
 * @param type {@code offer}, {@code answer} or {@code candidate}
 * @param to the peer id it is for ({@code sfu} in an SFU room)
 * @param body what the peer receives, before signaling adds {@code from} and {@code seq}: {@code type} and
 *     {@code sdp}, or {@code type} and {@code candidate}
 */
public record RelayMessage(String type, String to, ObjectNode body) {

    private static final Set<String> DESCRIPTION_FIELDS = Set.of("type", "to", "sdp");
    private static final Set<String> CANDIDATE_FIELDS = Set.of("type", "to", "candidate");
    /** RTCIceCandidateInit's members. */
    private static final Set<String> CANDIDATE_INIT_FIELDS =
            Set.of("candidate", "sdpMid", "sdpMLineIndex", "usernameFragment");
    /** sdpMLineIndex is an {@code unsigned short} in WebIDL. */
    private static final int MAX_M_LINE_INDEX = 0xFFFF;

    /** A relay message whose fields are missing, of the wrong JSON type, or not in the protocol. */
    public static final class BadRelayMessageException extends Exception {
        public BadRelayMessageException(String message) {
            super(message, null, false, false);
        }
    }

    /** Checks a message whose {@code type} is {@code offer}, {@code answer} or {@code candidate}. */
    public static RelayMessage parse(String type, JsonNode msg) throws BadRelayMessageException {
        boolean candidate = "candidate".equals(type);
        onlyFields(type, msg, candidate ? CANDIDATE_FIELDS : DESCRIPTION_FIELDS);
        JsonNode to = msg.path("to");
        if (!to.isTextual() || to.asText().isEmpty()) {
            throw new BadRelayMessageException(type + " needs \"to\": the peer id, a non-empty string");
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", type);
        if (candidate) {
            body.set("candidate", candidateInit(msg.path("candidate")));
        } else {
            JsonNode sdp = msg.path("sdp");
            if (!sdp.isTextual() || sdp.asText().isEmpty()) {
                throw new BadRelayMessageException(type + " needs \"sdp\": the session description, a non-empty"
                        + " string");
            }
            body.put("sdp", sdp.asText());
        }
        return new RelayMessage(type, to.asText(), body);
    }

    /** The session description of an offer or answer; null for a candidate. */
    public String sdp() {
        return body.path("sdp").asText(null);
    }

    private static ObjectNode candidateInit(JsonNode init) throws BadRelayMessageException {
        if (!init.isObject()) {
            throw new BadRelayMessageException("candidate needs \"candidate\": an RTCIceCandidateInit object");
        }
        onlyFields("candidate's \"candidate\"", init, CANDIDATE_INIT_FIELDS);
        if (!init.path("candidate").isTextual()) {
            throw new BadRelayMessageException("candidate's \"candidate\" needs \"candidate\": a string (empty for"
                    + " the end of candidates)");
        }
        nullOrString(init, "sdpMid");
        nullOrString(init, "usernameFragment");
        JsonNode index = init.path("sdpMLineIndex");
        if (!index.isMissingNode() && !index.isNull()
                && (!index.isIntegralNumber() || !index.canConvertToInt() || index.asInt() < 0
                        || index.asInt() > MAX_M_LINE_INDEX)) {
            throw new BadRelayMessageException("candidate's \"sdpMLineIndex\" must be an integer from 0 to "
                    + MAX_M_LINE_INDEX + ", or null");
        }
        return init.deepCopy();
    }

    private static void nullOrString(JsonNode init, String field) throws BadRelayMessageException {
        JsonNode value = init.path(field);
        if (!value.isMissingNode() && !value.isNull() && !value.isTextual()) {
            throw new BadRelayMessageException("candidate's \"" + field + "\" must be a string or null");
        }
    }

    private static void onlyFields(String what, JsonNode node, Set<String> allowed) throws BadRelayMessageException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new BadRelayMessageException(what + " has no field \"" + name + "\"; it takes "
                        + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }
}
