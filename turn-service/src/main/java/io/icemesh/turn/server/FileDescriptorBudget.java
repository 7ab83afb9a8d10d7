package io.icemesh.turn.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How the process's file descriptors are shared, so that no one kind of socket can take them all: every TCP or TLS
 * client connection, every relay socket and every TCP relay's peer connection is one descriptor. A reserve stays for
 * the admin HTTP port, Kafka, the JVM's own files and the listeners; of the rest, a quarter may go to client stream
 * connections (unless configured), half as many to TCP relays' peer connections, and the remainder to relay sockets,
 * which caps the allocations this node accepts.
 *
 * @param limit the process's descriptor limit (RLIMIT_NOFILE), or -1 when unknown
 * @param streamConnections TCP/TLS client connections held at most
 * @param peerConnections TCP relay peer connections (RFC 6062) held at most
 * @param relaySockets relay sockets (allocations) held at most
 */
record FileDescriptorBudget(long limit, int streamConnections, int peerConnections, int relaySockets) {

    /**
     * Descriptors kept for everything but client connections and relays: the admin HTTP server and its clients,
     * Kafka's producer connections, the JVM's jars and the event loops' epoll descriptors. 256 is several times what
     * a started turn-service holds (about 60 here, counted in /proc/self/fd).
     */
    static final int RESERVED = 256;
    /** The share of the remaining descriptors that stream connections get by default. */
    static final int STREAM_SHARE_DIVISOR = 4;

    /**
     * The budget for a descriptor limit.
     *
     * @param limit the process's descriptor limit, or -1 when unknown (then the configured values stand)
     * @param configuredStreams the configured stream connection cap, 0 for a share of the limit
     * @param configuredAllocations the configured allocation cap
     */
    static FileDescriptorBudget of(long limit, int configuredStreams, int configuredAllocations) {
        if (limit <= 0) {
            int streams = configuredStreams > 0 ? configuredStreams : 10_000;
            return new FileDescriptorBudget(limit, streams, Math.max(1, streams / 2), configuredAllocations);
        }
        long usable = Math.max(0, limit - RESERVED);
        long streams = configuredStreams > 0 ? Math.min(configuredStreams, usable / 2)
                : usable / STREAM_SHARE_DIVISOR;
        long peers = streams / 2;
        long relays = Math.min(configuredAllocations, usable - streams - peers);
        return new FileDescriptorBudget(limit, (int) Math.max(1, streams), (int) Math.max(1, peers),
                (int) Math.max(1, relays));
    }

    /** The budget of this process. */
    static FileDescriptorBudget ofThisProcess(int configuredStreams, int configuredAllocations) {
        return of(processLimit(), configuredStreams, configuredAllocations);
    }

    /** RLIMIT_NOFILE as the JVM sees it (it raises the soft limit to the hard one at start), or -1. */
    static long processLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }
}
