package io.icemesh.signaling.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What the socket answers its client at once: a message, an error, or nothing ({@code null} reply). */
public record Reply(ObjectNode message, String errorCode, String errorMessage) {

    public static Reply of(ObjectNode message) {
        return new Reply(message, null, null);
    }

    public static Reply error(String code, String message) {
        return new Reply(null, code, message);
    }
}
