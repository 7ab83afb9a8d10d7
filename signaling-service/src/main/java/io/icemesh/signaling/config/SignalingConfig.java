package io.icemesh.signaling.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of signaling-service, under {@code icemesh.signaling}. */
@ConfigMapping(prefix = "icemesh.signaling")
public interface SignalingConfig {

    /** Room limits. */
    Rooms rooms();

    /** WebSocket protocol limits. */
    Protocol protocol();

    /** Room limits. */
    interface Rooms {
        /** Most peers in one peer-to-peer room; a join past it is refused with {@code room-full}. */
        @WithDefault("8")
        int maxPeers();

        /** Longest room name accepted, in characters. */
        @WithDefault("64")
        int maxNameLength();
    }

    /** WebSocket protocol limits. */
    interface Protocol {
        /** Largest text message accepted, in bytes; a larger one is refused with {@code too-large}. */
        @WithDefault("65536")
        int maxMessageBytes();
    }
}
