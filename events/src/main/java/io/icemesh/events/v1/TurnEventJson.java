package io.icemesh.events.v1;

import java.nio.charset.StandardCharsets;

/**
 * Writes a {@link TurnEvent} as JSON without Jackson, byte for byte what {@link EventSerializer} writes for it: the
 * record's fields in declaration order, null fields left out, and Jackson's string escapes ({@code \"}, {@code \\},
 * the short escapes {@code \b \t \n \f \r}, every other control character and every UTF-16 surrogate as
 * {@code \}{@code uXXXX} with upper-case hex, everything else as UTF-8). turn-service writes one per allocation state
 * change on an event loop; code this small is compiled whole by its JIT warm-up, where Jackson's generic writer is
 * not. {@code TurnEventJsonTest} holds the two writers to the same bytes.
 */
public final class TurnEventJson {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Room for a typical event (about 300-400 characters) without growing. */
    private static final int INITIAL_CAPACITY = 512;

    private TurnEventJson() {
    }

    /** The event as UTF-8 JSON. */
    public static byte[] write(TurnEvent event) {
        StringBuilder json = new StringBuilder(INITIAL_CAPACITY);
        json.append("{\"schemaVersion\":").append(event.schemaVersion());
        string(json, "type", event.type() == null ? null : event.type().name());
        string(json, "nodeId", event.nodeId());
        string(json, "allocationId", event.allocationId());
        string(json, "username", event.username());
        string(json, "sessionId", event.sessionId());
        string(json, "clientAddress", event.clientAddress());
        string(json, "transport", event.transport());
        string(json, "relayAddress", event.relayAddress());
        string(json, "peerAddress", event.peerAddress());
        string(json, "reason", event.reason());
        number(json, "packetsToPeer", event.packetsToPeer());
        number(json, "bytesToPeer", event.bytesToPeer());
        number(json, "packetsFromPeer", event.packetsFromPeer());
        number(json, "bytesFromPeer", event.bytesFromPeer());
        json.append(",\"timestampMs\":").append(event.timestampMs()).append('}');
        // No surrogate is left unescaped, so the encoding replaces nothing.
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void number(StringBuilder json, String name, Long value) {
        if (value != null) {
            json.append(",\"").append(name).append("\":").append(value.longValue());
        }
    }

    private static void string(StringBuilder json, String name, String value) {
        if (value == null) {
            return;
        }
        json.append(",\"").append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\t' -> json.append("\\t");
                case '\n' -> json.append("\\n");
                case '\f' -> json.append("\\f");
                case '\r' -> json.append("\\r");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        json.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
