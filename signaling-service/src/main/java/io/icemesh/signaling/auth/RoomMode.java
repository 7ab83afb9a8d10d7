package io.icemesh.signaling.auth;

import java.util.Locale;

/** How a room carries media: peer to peer, or through media-service's SFU. */
public enum RoomMode {
    P2P,
    SFU;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named on the wire, or null when there is none by that name. */
    public static RoomMode fromWire(String name) {
        for (RoomMode m : values()) {
            if (m.wireName().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
