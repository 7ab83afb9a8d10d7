package io.icemesh.monitor;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every setting of monitor-service, under {@code icemesh.monitor}. */
@ConfigMapping(prefix = "icemesh.monitor")
public interface MonitorConfig {

    /** How session timelines are kept in memory. */
    Timelines timelines();

    /** Thresholds above which a session counts as slow in its diagnosis. */
    Diagnosis diagnosis();

    /** Active STUN probes of ICE servers. */
    Probe probe();

    /** Publication of {@code ServerHealth} events. */
    Health health();

    /** Tracking of TURN allocations from turn events. */
    Turn turn();

    /** Timeline memory bounds. */
    interface Timelines {
        /** Most timelines kept; past it the least recently updated one is evicted. */
        @WithDefault("10000")
        int maxSessions();

        /** A timeline not updated for this long is dropped. */
        @WithDefault("1h")
        Duration maxAge();

        /** Most entries stored per timeline; later entries still update milestones and metrics but are not stored. */
        @WithDefault("256")
        int maxEntries();

        /**
         * A session that has neither connected, failed nor closed, and has had no event for this long, ends as
         * abandoned (status {@code abandoned}; counted in the abandoned outcome when it had joined). Sessions known
         * from TURN events alone (credentials used, no join) end the same way instead of looking like calls still
         * connecting until {@link #maxAge()}.
         */
        @WithDefault("2m")
        Duration abandonAfter();

        /** How often timelines older than {@link #maxAge()} are swept. */
        @WithDefault("10s")
        Duration sweepInterval();

        /**
         * How long a TURN refusal (AUTH_FAILED, REJECTED) naming a session with no timeline is held for that
         * session's join, which comes on the other topic and can arrive later. A refusal never creates a timeline:
         * its username is whatever the client sent.
         */
        @WithDefault("60s")
        Duration refusalHold();

        /**
         * Most sessions whose refusals are held at once; past it the longest held go first. Bounds what made-up
         * usernames cost (a few refusals each), apart from the timelines.
         */
        @WithDefault("1000")
        int maxHeldRefusalSessions();
    }

    /** Slowness thresholds of the diagnosis. */
    interface Diagnosis {
        /** Gathering that took longer than this is slow. */
        @WithDefault("2s")
        Duration slowGathering();

        /** A session that took longer than this to reach ICE connected is slow. */
        @WithDefault("3s")
        Duration slowConnect();

        /** A session whose first media came later than this after its start is slow. */
        @WithDefault("5s")
        Duration slowFirstMedia();
    }

    /** STUN Binding probes. */
    interface Probe {
        /** Whether probes run at all. */
        @WithDefault("true")
        boolean enabled();

        /**
         * ICE server URLs to probe besides those announced on {@code icemesh.nodes}
         * ({@code stun:host:port}, {@code turn:host:port?transport=udp}, ...). None by default.
         */
        Optional<List<String>> servers();

        /** Time between two probes of one server. */
        @WithDefault("2s")
        Duration interval();

        /** A probe unanswered after this long is a miss. */
        @WithDefault("1s")
        Duration timeout();

        /** Consecutive misses after which a server is unhealthy; one answer makes it healthy again. */
        @WithDefault("3")
        int unhealthyAfterMisses();

        /** How many recent probes per server the RTT percentiles and loss ratio are computed over. */
        @WithDefault("20")
        int window();

        /** Most servers probed; further announced URLs are ignored (and logged) to keep metric labels bounded. */
        @WithDefault("64")
        int maxServers();

        /**
         * Probe only loopback addresses (127.0.0.0/8, ::1) and skip every other URL. The test profile turns it on so
         * that no test ever sends a probe off this machine; deployments probe real servers.
         */
        @WithDefault("false")
        boolean loopbackOnly();

        /**
         * TURN REST shared secret for authenticated TURN probes: with it, {@code turn:} URLs over UDP get an
         * Allocate with credentials minted from it, then a Refresh to zero, instead of a bare Binding. No default:
         * without a secret, TURN URLs are probed with a Binding only. The properties file maps it from
         * {@code icemesh.turn.secret} (env {@code ICEMESH_TURN_SECRET}).
         */
        Optional<String> turnSecret();

        /** Every how many probe rounds a TURN URL gets the authenticated Allocate probe (Bindings in between). */
        @WithDefault("5")
        int turnAllocateEvery();

        /** Lifetime of the TURN REST credentials the probe mints for itself. */
        @WithDefault("5m")
        Duration turnCredentialLifetime();

        /** An announced node not heard from for this long is forgotten, and its URLs are no longer probed. */
        @WithDefault("5m")
        Duration announcementTtl();
    }

    /** ServerHealth publication. */
    interface Health {
        /** Besides every change, each probed server's health is published this often. */
        @WithDefault("10s")
        Duration publishInterval();

        /** Create {@code icemesh.server-health} as a compacted topic at start-up if it does not exist. */
        @WithDefault("true")
        boolean createTopic();
    }

    /** TURN allocation tracking. */
    interface Turn {
        /** Most allocations whose traffic counters are remembered (to turn cumulative counters into increments). */
        @WithDefault("100000")
        int maxTrackedAllocations();
    }
}
