package io.icemesh.turn.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** All turn-service settings, under {@code icemesh.turn}. */
@ConfigMapping(prefix = "icemesh.turn")
public interface TurnConfig {

    /**
     * The TURN REST shared secret (env {@code ICEMESH_TURN_SECRET}): signaling signs {@code expiry:sessionId}
     * usernames with it. Required, no default: set it from a Kubernetes Secret or the environment.
     */
    String secret();

    /**
     * Earlier shared secrets still accepted, so the secret can rotate without cutting sessions off
     * (comma-separated). Unset means none.
     */
    Optional<List<String>> previousSecrets();

    /** The realm in REALM attributes and long-term keys (env {@code ICEMESH_TURN_REALM}). */
    @WithDefault("icemesh")
    String realm();

    /**
     * Allow peers on loopback (127.0.0.0/8, ::1). Only for tests and local demos: it lets clients reach services on
     * the TURN host (env {@code ICEMESH_TURN_ALLOW_LOOPBACK_PEERS}).
     */
    @WithDefault("false")
    boolean allowLoopbackPeers();

    /** This node's id in events and announcements (defaults to the host name, the pod name in Kubernetes). */
    @WithDefault("${HOSTNAME:turn-local}")
    String nodeId();

    /** Static long-term users: {@code icemesh.turn.users.<name>=<password>}. None by default. */
    Map<String, String> users();

    /** Listeners. */
    Listen listen();

    /** Relay sockets. */
    Relay relay();

    /** Allocation lifetimes and quotas. */
    Allocations allocation();

    /** Authentication and abuse limits. */
    Auth auth();

    /** Peer address ACL beyond the built-in safe defaults. */
    Peers peers();

    /** TLS listener. */
    Tls tls();

    /** Kafka events and node announcements. */
    Events events();

    /** Graceful shutdown. */
    Drain drain();

    /** Warming up the allocation path before the node turns ready. */
    WarmUp warmUp();

    /** Where the server listens for clients. */
    interface Listen {
        /** The address the listeners bind (0.0.0.0 serves every interface; dev profile uses 127.0.0.1). */
        @WithDefault("0.0.0.0")
        String address();

        /** STUN/TURN over UDP port (RFC 8656 default 3478). */
        @WithDefault("3478")
        int udpPort();

        /**
         * A second UDP port on the same address, served like {@link #udpPort()} and announced as a second
         * {@code stun:} URL (not set: none; 0: any free port, for tests). A client that asks both ports from one
         * socket learns two server-reflexive mappings; when they differ its NAT maps by destination (symmetric), which
         * monitor's diagnosis then names (RFC 5780's idea, on one address). The port must be reachable like
         * udp-port.
         */
        java.util.OptionalInt alternateUdpPort();

        /** STUN/TURN over TCP port (RFC 8656 default 3478). */
        @WithDefault("3478")
        int tcpPort();

        /** TURN over TLS port (RFC 8656 default 5349). */
        @WithDefault("5349")
        int tlsPort();

        /** Serve UDP. */
        @WithDefault("true")
        boolean udp();

        /** Serve TCP. */
        @WithDefault("true")
        boolean tcp();

        /** Serve TLS. */
        @WithDefault("true")
        boolean tls();

        /** Event loop threads (one UDP reader each, sharing the port with SO_REUSEPORT); 0 means one per core. */
        @WithDefault("0")
        int threads();

        /** Socket receive buffer in bytes; the kernel caps it at net.core.rmem_max. */
        @WithDefault("4194304")
        int receiveBufferBytes();

        /** Socket send buffer in bytes; the kernel caps it at net.core.wmem_max. */
        @WithDefault("4194304")
        int sendBufferBytes();

        /**
         * TCP and TLS client connections held at most, together; 0 means a quarter of the file descriptors the
         * process may open, less a reserve for the admin port, Kafka and the JVM (the rest stays for relay sockets).
         * At the cap a new connection evicts the oldest one that has not authenticated yet, or is refused.
         */
        @WithDefault("0")
        int maxStreamConnections();

        /** TCP and TLS client connections one source IP may hold; past it new ones are closed at once. */
        @WithDefault("64")
        int maxStreamConnectionsPerSource();

        /**
         * How long a TCP or TLS connection may take to make an allocation, or to bind as a TCP relay's data
         * connection (TLS handshake and the 401 round trip included); a connection that has not by then is closed.
         * Until then it may also be evicted at the connection cap.
         */
        @WithDefault("10s")
        Duration streamAuthTimeout();

        /**
         * How long one STUN message or ChannelData frame may take to arrive in full on a TCP or TLS connection
         * once its first byte came; a slower frame closes the connection (bytes dripped one at a time cannot hold
         * it open).
         */
        @WithDefault("5s")
        Duration streamFrameTimeout();
    }

    /** Relayed transport addresses. */
    interface Relay {
        /**
         * IPv4 address relay sockets bind to; {@code auto} picks the first non-loopback IPv4 address of the host,
         * or 127.0.0.1 when there is none.
         */
        @WithDefault("auto")
        String ipv4Address();

        /**
         * IPv6 address relay sockets bind to; {@code auto} picks the first global IPv6 address, {@code none}
         * disables IPv6 relays (REQUESTED-ADDRESS-FAMILY IPv6 then gets 440).
         */
        @WithDefault("auto")
        String ipv6Address();

        /**
         * The IPv4 address clients see in XOR-RELAYED-ADDRESS and in node announcements, when the host is
         * behind a 1:1 NAT (coturn's external-ip); {@code auto} means the relay address itself.
         */
        @WithDefault("auto")
        String publicAddress();

        /** Lowest relay port (RFC 8656 Section 7.2 suggests 49152-65535). */
        @WithDefault("49152")
        int minPort();

        /** Highest relay port. */
        @WithDefault("65535")
        int maxPort();
    }

    /** Allocation limits. */
    interface Allocations {
        /** Lifetime when the client asks for none or less (RFC 8656 Section 7.2: 10 minutes). */
        @WithDefault("600s")
        Duration defaultLifetime();

        /** Longest lifetime granted (RFC 8656 Section 7.2 suggests 1 hour). */
        @WithDefault("3600s")
        Duration maxLifetime();

        /** Permission lifetime (RFC 8656 Section 9: 300 s). */
        @WithDefault("300s")
        Duration permissionLifetime();

        /** Channel binding lifetime (RFC 8656 Section 12: 600 s). */
        @WithDefault("600s")
        Duration channelLifetime();

        /**
         * Accept only RFC 8656 channel numbers (0x4000-0x4FFF). Off by default: RFC 5766's 0x4000-0x7FFF is still
         * what coturn 4.6.1's client and libwebrtc pick, and what coturn and pion accept.
         */
        @WithDefault("false")
        boolean strictChannelRange();

        /**
         * Allocations one user may hold; past it 486. A TURN REST username ({@code expiry:sessionId}) counts
         * against its session id, whatever the expiry, so fresh credentials for the same session share the quota.
         */
        @WithDefault("10")
        int maxPerUser();

        /** Allocations one client IP address may hold, all users together; past it 486. */
        @WithDefault("100")
        int maxPerSource();

        /** Allocations this node holds at most; past it 486. Also the capacity announced. */
        @WithDefault("10000")
        int maxTotal();

        /** Bandwidth cap per allocation and direction in bytes per second; 0 for none. */
        @WithDefault("2500000")
        long maxBytesPerSecond();

        /** How often lifetimes, permissions and channels are checked. */
        @WithDefault("500ms")
        Duration sweepInterval();
    }

    /** Authentication. */
    interface Auth {
        /** How long a nonce is valid; after it the client gets 438 Stale Nonce and a new one. */
        @WithDefault("600s")
        Duration nonceLifetime();

        /** Accept TURN REST (ephemeral) credentials signed with the shared secret(s). */
        @WithDefault("true")
        boolean restCredentials();

        /**
         * The furthest in the future a TURN REST credential's expiry may be; a username whose expiry is further
         * away is refused (401), so that a leaked credential cannot be minted to live for years. Keep signaling's
         * credential TTL below it.
         */
        @WithDefault("24h")
        Duration maxCredentialLifetime();

        /**
         * How long past its expiry a TURN REST credential still keeps the allocation it made: Refresh, CreatePermission
         * and ChannelBind from the allocation's own 5-tuple with that username, and a ConnectionBind from the same
         * client address for a peer connection waiting on it, so that a call outlives its short-lived credential
         * (browsers keep the credentials their TURN port was made with). Nothing new is granted with an expired
         * credential: an Allocate, a Connect or another 5-tuple needs a valid one. Also how long a session that was
         * ended elsewhere can keep relaying on an allocation it holds.
         */
        @WithDefault("12h")
        Duration expiredCredentialGrace();

        /**
         * Answers per second to unauthenticated UDP requests (Binding, 401 challenges) per source IP, all ports
         * together: what bounds reflection towards a spoofed address. TCP and TLS answers are not limited (a
         * stream's source cannot be spoofed).
         */
        @WithDefault("50")
        int unauthenticatedRate();

        /** Burst of answers to unauthenticated UDP requests per source IP. */
        @WithDefault("100")
        int unauthenticatedBurst();

        /**
         * Answers per second to unauthenticated UDP requests per source IP and port, within the per-IP budget, so
         * one flooding socket cannot spend the budget of other clients behind the same address (a NAT).
         */
        @WithDefault("5")
        int unauthenticatedPortRate();

        /** Burst of answers to unauthenticated UDP requests per source IP and port. */
        @WithDefault("10")
        int unauthenticatedPortBurst();
    }

    /** Peer ACL; the built-in deny list always applies unless an allow entry covers the address. */
    interface Peers {
        /** Extra allowed peer prefixes (CIDR); allow wins over deny, as in coturn. */
        @WithDefault("none")
        List<String> allow();

        /** Extra denied peer prefixes (CIDR). */
        @WithDefault("none")
        List<String> deny();
    }

    /** TLS for turns: URLs. */
    interface Tls {
        /** PEM certificate chain; when unset a self-signed certificate is generated at start (and logged). */
        Optional<String> certPath();

        /** PEM private key (PKCS#8) matching the certificate. */
        Optional<String> keyPath();
    }

    /** Events on Kafka. */
    interface Events {
        /** How often each live allocation's traffic counters are published. */
        @WithDefault("60s")
        Duration trafficInterval();

        /** How often the node announcement is re-published. */
        @WithDefault("10s")
        Duration announceInterval();

        /** Events buffered while Kafka is slow or down; past it events are dropped and counted. */
        @WithDefault("100000")
        int bufferSize();
    }

    /** Graceful shutdown. */
    interface Drain {
        /** How long shutdown waits for allocations to end before closing them. */
        @WithDefault("30s")
        Duration grace();
    }

    /**
     * Before its listeners open, the node runs allocations against a private copy of its server on loopback (a
     * per-boot credential, no events, no metrics, nothing a client can reach), so that the JIT compiles the
     * allocation path before the first client pays for it. Readiness waits for it.
     */
    interface WarmUp {
        /**
         * Allocations per pass (401 challenge, Allocate, CreatePermission, ChannelBind, Refresh 0); 0 turns the warm-up
         * off.
         */
        @WithDefault("2000")
        int allocations();

        /** Passes at most; after each the warm-up waits for the JIT compilers to go idle. */
        @WithDefault("10")
        int maxPasses();

        /** A pass that made the JIT compile for less than this is the last. */
        @WithDefault("20ms")
        java.time.Duration settledCompilation();

        /**
         * Passes at most after those, with the warm-up's events sent through the node's own Kafka producer to
         * {@code icemesh.turn-warm-up} (made if missing; 10-15 MB per boot, which nobody reads), so that the producer
         * is compiled too; 0, or a broker that cannot be reached or will not make the topic, leaves them out.
         */
        @WithDefault("3")
        int kafkaPasses();

        /** The warm-up stops after this long, whatever it has done. */
        @WithDefault("30s")
        java.time.Duration maxDuration();
    }
}
