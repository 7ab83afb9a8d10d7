package io.icemesh.signaling.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A client's message, read once from its JSON (docs/signaling-protocol.md, "Client to server"). Fields that need no
 * check are read here; the messages whose fields are checked ({@link Relay}, {@link SetQuality}, {@link Report}) keep
 * their JSON and check it when asked, so that a message that is both malformed and out of place (sent before a join)
 * gets the out-of-place error first, as it always did.
 */
public sealed interface ClientMessage {

    /** The peer id of media-service in an SFU room: where SFU clients send their offers and requests. */
    String SFU = "sfu";

    /** The message's {@code type}. */
    String type();

    /** {@code msg} is a JSON object with a string {@code type}. */
    static ClientMessage of(JsonNode msg) {
        String type = msg.get("type").asText();
        boolean earlyRelay = msg.path("earlyRelay").asBoolean(false);
        return switch (type) {
            case "join" -> new Join(msg.path("token").asText(""),
                    msg.hasNonNull("room") ? msg.get("room").asText() : null, earlyRelay, msg.get("offer"));
            case "resume" -> new Resume(msg.path("resumeToken").asText(null), msg.path("lastSeq").asLong(0),
                    earlyRelay);
            case "leave" -> new Leave();
            case "offer", "answer", "candidate" -> new Relay(type, msg);
            case "ice-restart" -> new IceRestart(to(msg));
            case "set-quality" -> new SetQuality(to(msg), msg);
            case "sfu-stalled" -> new SfuStalled(to(msg));
            case "report" -> new Report(msg.get("entries"));
            case "ice-servers" -> new IceServers();
            case "ping" -> new Ping();
            default -> new Unknown(type);
        };
    }

    /** The addressee of an SFU room's request: {@code "sfu"} when absent. */
    private static String to(JsonNode msg) {
        return msg.path("to").asText(SFU);
    }

    /**
     * Joins a room with a room token; {@code room}, when given, must be the token's. {@code offer}, when given, is
     * the client's first offer: for the first peer already in a P2P room, or for media-service in an SFU room
     * (checked by {@link #offerSdp()}; docs/signaling-protocol.md, "Offer with the join").
     */
    record Join(String token, String room, boolean earlyRelay, JsonNode offer) implements ClientMessage {

        @Override
        public String type() {
            return "join";
        }

        /** The offer's session description; null when the join has none. */
        public String offerSdp() throws RelayMessage.BadRelayMessageException {
            if (offer == null || offer.isNull()) {
                return null;
            }
            if (!offer.isTextual() || offer.asText().isEmpty()) {
                throw new RelayMessage.BadRelayMessageException("join's \"offer\" must be a session description, a"
                        + " non-empty string");
            }
            return offer.asText();
        }
    }

    /** Takes a session back after a dropped socket, with what was sent to it after {@code lastSeq}. */
    record Resume(String resumeToken, long lastSeq, boolean earlyRelay) implements ClientMessage {
        @Override
        public String type() {
            return "resume";
        }
    }

    record Leave() implements ClientMessage {
        @Override
        public String type() {
            return "leave";
        }
    }

    /** An offer, answer or candidate for another peer (or for the SFU). */
    record Relay(String type, JsonNode json) implements ClientMessage {
        /** The message checked ({@link RelayMessage#parse}). */
        public RelayMessage message() throws RelayMessage.BadRelayMessageException {
            return RelayMessage.parse(type, json);
        }
    }

    /** An SFU room's client asks media-service for an ICE restart. */
    record IceRestart(String to) implements ClientMessage {
        @Override
        public String type() {
            return "ice-restart";
        }
    }

    /** An SFU room's subscriber asks for a simulcast layer. */
    record SetQuality(String to, JsonNode json) implements ClientMessage {
        @Override
        public String type() {
            return "set-quality";
        }

        /** The request checked ({@link QualityRequest#parse}). */
        public QualityRequest request() throws QualityRequest.BadQualityRequestException {
            return QualityRequest.parse(json);
        }
    }

    /** An SFU room's client says its media stopped. */
    record SfuStalled(String to) implements ClientMessage {
        @Override
        public String type() {
            return "sfu-stalled";
        }
    }

    /** Timeline entries from the client, checked against the session when they are turned into events. */
    record Report(JsonNode entries) implements ClientMessage {
        @Override
        public String type() {
            return "report";
        }
    }

    record IceServers() implements ClientMessage {
        @Override
        public String type() {
            return "ice-servers";
        }
    }

    record Ping() implements ClientMessage {
        @Override
        public String type() {
            return "ping";
        }
    }

    /** A type the protocol does not have. */
    record Unknown(String type) implements ClientMessage {
    }
}
