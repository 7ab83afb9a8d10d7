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

    /**
     * This instance's id in the room log (where its sockets are, whose heartbeat stopped). Unset: a random one per
     * start, so that a restarted process is never taken for the one before it.
     */
    Optional<String> instanceId();

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

    /** ICE doctor reports users share from the {@code /doctor} page ({@code POST /api/doctor/reports}). */
    Doctor doctor();

    /** The room log on Kafka that every instance reads whole: how room state is shared between instances. */
    RoomLog roomLog();

    /**
     * The room log (topic names as in {@code io.icemesh.events.v1.Topics}; literals here because deploy-tests compile
     * this file on its own): one topic keyed by room that carries every room-changing command, read whole by every instance
     * (docs/architecture.md, "Signaling scales out").
     */
    interface RoomLog {
        /** The room log topic (created at start with {@code partitions} partitions if missing). */
        @WithDefault("icemesh.signaling.rooms")
        String topic();

        /** Partitions of the room log when signaling creates it; rooms spread over them by key. */
        @WithDefault("6")
        int partitions();

        /**
         * How long the room log keeps records. A new instance starts from the latest snapshot, so this only has to
         * cover a few snapshot intervals; an hour leaves room for an instance that is slow to start.
         */
        @WithDefault("1h")
        Duration retention();

        /** Compacted topic of room snapshots (one record per room, plus one checkpoint per log partition). */
        @WithDefault("icemesh.signaling.room-snapshots")
        String snapshotsTopic();

        /** How often the snapshot writer (the live instance with the smallest id) writes the rooms that changed. */
        @WithDefault("10s")
        Duration snapshotInterval();

        /** Topic of instance heartbeats (one partition, short retention). */
        @WithDefault("icemesh.signaling.instances")
        String instancesTopic();

        /** How often each instance writes its heartbeat. */
        @WithDefault("1s")
        Duration heartbeatInterval();

        /**
         * An instance whose heartbeat is older than this is gone: live instances write {@code instance-gone} for
         * the rooms where it held sockets, and those sessions wait for a resume.
         */
        @WithDefault("5s")
        Duration instanceTimeout();

        /**
         * How long a join or resume waits for its own record to come back from the log before the client gets
         * {@code unavailable}; a join applied later than that is undone with a leave.
         */
        @WithDefault("3s")
        Duration requestTimeout();

        /**
         * Readiness is DOWN when this instance has not read its own heartbeat back for this long (the broker is
         * out of reach); joins and resumes are then refused with {@code unavailable} at once.
         */
        @WithDefault("3s")
        Duration staleAfter();

        /** How long start-up waits for the room log to be read before it goes on with readiness DOWN. */
        @WithDefault("15s")
        Duration startupWait();
    }

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

        /**
         * Bytes of replay buffers one room keeps in all (as written in its snapshot); over it, the peer keeping the
         * most drops its oldest message. A resume that needs a dropped message is refused with {@code bad-resume}
         * and the client joins again. At most 524288, so that a room's snapshot fits one Kafka record.
         */
        @WithDefault("524288")
        int roomReplayBytes();

        /** Client ICE report entries accepted per session; more are refused with {@code too-many}. */
        @WithDefault("200")
        int maxReportEntries();

        /**
         * A socket that is in no room this long after it opened (no accepted join or resume) is closed with 4008
         * {@code join-deadline}: a page may open its socket before its user joins (the web client does while it
         * shows the camera's preview, and opens it again every 4 minutes), but nobody holds a socket without a room.
         */
        @WithDefault("5m")
        Duration joinDeadline();
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

    /**
     * Budgets and size limits of {@code POST /api/doctor/reports}: a report costs a Kafka record and a place in every
     * monitor instance's list, so each session and each client address may send a few an hour.
     */
    interface Doctor {
        /** Reports one session may send at once. */
        @WithDefault("3")
        int sessionBurst();

        /** Reports a session's budget regains per hour after its burst. */
        @WithDefault("6")
        int sessionPerHour();

        /** Reports one client address (IPv6: its /64) may send at once, all its sessions together. */
        @WithDefault("30")
        int sourceBurst();

        /** Reports an address's budget regains per hour after its burst. */
        @WithDefault("60")
        int sourcePerHour();

        /** Most URLs one report may hold. */
        @WithDefault("32")
        int maxUrls();
    }
}
