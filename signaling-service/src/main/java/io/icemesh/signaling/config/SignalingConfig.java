package io.icemesh.signaling.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Typed configuration of signaling-service, under {@code icemesh.signaling}. */
@ConfigMapping(prefix = "icemesh.signaling")
public interface SignalingConfig {

    /** Room limits. */
    Rooms rooms();

    /** WebSocket protocol limits. */
    Protocol protocol();

    /** Room tokens (JWT) that authenticate clients. */
    Auth auth();

    /** The ICE server list handed to clients. */
    Ice ice();

    /** SFU rooms served by media-service. */
    Media media();

    /** SFU rooms. */
    interface Media {
        /** How long signaling waits for media-service to answer a command before the client gets {@code media-timeout}. */
        @WithDefault("5s")
        Duration replyTimeout();
    }

    /** Room limits. */
    interface Rooms {
        /** Most peers in one peer-to-peer room; a join past it is refused with {@code room-full}. */
        @WithDefault("8")
        int maxPeers();

        /** Most peers in one SFU room (media-service forwards; each client sends once). */
        @WithDefault("50")
        int maxSfuPeers();

        /** Longest room name accepted, in characters. */
        @WithDefault("64")
        int maxNameLength();
    }

    /** WebSocket protocol limits. */
    interface Protocol {
        /** Largest text message accepted, in bytes; a larger one is refused with {@code too-large}. */
        @WithDefault("65536")
        int maxMessageBytes();

        /** Messages a connection may send per second (burst of the same size); more are refused with {@code too-many}. */
        @WithDefault("50")
        int maxMessagesPerSecond();

        /** How long a dropped peer keeps its place, so that it can resume with its resume token. */
        @WithDefault("30s")
        Duration resumeGrace();

        /** Messages kept per peer for replay after a resume (the client says the last seq it saw); oldest go first. */
        @WithDefault("64")
        int resumeBacklog();

        /** Client ICE report entries accepted per session; more are refused with {@code too-many}. */
        @WithDefault("200")
        int maxReportEntries();
    }

    /** Room tokens. */
    interface Auth {
        /**
         * HMAC-SHA256 key (at least 32 bytes) that signs room tokens (JWT, HS256). Required; no default in code.
         * The local run generates one per checkout.
         */
        @WithName("jwt-secret")
        String jwtSecret();

        /** Issuer written into and required in room tokens. */
        @WithDefault("icemesh")
        String issuer();

        /** Clock skew allowed when checking exp and nbf. */
        @WithDefault("30s")
        Duration clockSkew();

        /** Whether {@code POST /api/dev/token} mints tokens. On only in the dev, test and local profiles. */
        @WithDefault("false")
        boolean devTokenEndpoint();

        /** Lifetime of tokens minted by the dev endpoint. */
        @WithDefault("1h")
        Duration devTokenTtl();
    }

    /** The ICE server list. */
    interface Ice {
        /** Shared secret of the TURN REST API (the one turn-service checks). */
        @WithName("turn-secret")
        String turnSecret();

        /**
         * Lifetime of the TURN credentials handed out; the response's {@code ttl}. Keep it well below turn-service's
         * {@code icemesh.turn.auth.max-credential-lifetime} (24h by default), which refuses credentials whose expiry
         * is further away than that; a client asks again on reconnect, so minutes are enough.
         */
        @WithDefault("10m")
        Duration credentialTtl();

        /** Most STUN URLs in one list (each costs the client a gathering round). */
        @WithDefault("2")
        int maxStunUrls();

        /**
         * Servers configured by hand, best first, e.g. {@code stun:stun.example.org:3478} or
         * {@code turn:turn.example.org:3478?transport=udp}. TURN URLs get TURN REST credentials.
         */
        Optional<List<String>> servers();

        /** Whether to also hand out the servers that turn-service nodes announce on {@code icemesh.nodes}. */
        @WithDefault("true")
        boolean useAnnouncedNodes();

        /** Limits on {@code GET /api/ice-servers}, which mints TURN credentials. */
        RateLimit rateLimit();
    }

    /**
     * Token buckets on {@code GET /api/ice-servers}: one per session (the token's {@code sid}; a token without one
     * counts on its own) and one per client address. A request past either gets 429 with Retry-After.
     */
    interface RateLimit {
        /** Requests one session may make at once: a client asks on join and again on each reconnect. */
        @WithDefault("5")
        int sessionBurst();

        /** Requests a session's budget regains per minute after its burst. */
        @WithDefault("3")
        int sessionPerMinute();

        /**
         * Requests one client address may make at once, for all its sessions: many users can share one NAT address.
         * IPv6 clients count per /64, the prefix one subscriber gets. Behind a reverse proxy, the client address is
         * the proxy's unless Quarkus' {@code quarkus.http.proxy.*} forwarding is configured for it.
         */
        @WithDefault("100")
        int sourceBurst();

        /** Requests a client address's budget regains per minute after its burst. */
        @WithDefault("60")
        int sourcePerMinute();

        /**
         * Most sessions, and separately most addresses, tracked at once; past it the least recently seen is
         * forgotten. A bucket that has refilled is forgotten anyway.
         */
        @WithDefault("50000")
        int maxTrackedKeys();
    }
}
