package io.icemesh.media.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** All media-service settings, under {@code icemesh.media}. */
@ConfigMapping(prefix = "icemesh.media")
public interface MediaConfig {

    /** The value of an address key that means "not set". */
    String NONE = "none";

    /** This node's id in commands, replies, events and announcements (the pod name in Kubernetes). */
    @WithDefault("${HOSTNAME:media-local}")
    String nodeId();

    /** How many endpoints this node takes; ALLOCATE past it gets an ERROR and placement sees the load. */
    @WithDefault("200")
    int capacity();

    /** The single UDP port and its addresses. */
    Ice ice();

    /** DTLS-SRTP. */
    Dtls dtls();

    /** What runs at start-up, before the node announces itself and turns ready, so that its first clients wait less. */
    WarmUp warmUp();

    /** Forwarding policy. */
    Forward forward();

    /** NACK, RTX, RTCP reports and REMB: the feedback the SFU answers and originates. */
    Feedback feedback();

    /** Kafka control channel. */
    Control control();

    /** Node announcements on {@code icemesh.nodes}. */
    Announce announce();

    /** Graceful shutdown. */
    Drain drain();

    /** ICE on one UDP port shared by every endpoint (ice4j SinglePortUdpHarvester). */
    interface Ice {
        /** The UDP port all endpoints share (0 picks a free one, for tests). */
        @WithDefault("10000")
        int udpPort();

        /**
         * The address the UDP socket binds. 0.0.0.0 binds one socket per non-loopback interface address (ice4j
         * skips loopback then); a concrete address, such as 127.0.0.1 in the local profile, binds just that one.
         */
        @WithDefault("0.0.0.0")
        String bindAddress();

        /**
         * The address clients reach this node at from outside (a NAT's or load balancer's public IP), offered as a
         * server-reflexive candidate on the same port; {@code none} offers host candidates only.
         */
        @WithDefault(NONE)
        String publicAddress();

        /**
         * CIDR blocks clients may connect from (comma-separated). Checks from elsewhere go unanswered and candidates
         * elsewhere unchecked, so the node sends nowhere else; tests and the local profile use loopback only.
         */
        @WithDefault("0.0.0.0/0,::/0")
        java.util.List<String> allowedPeerNetworks();

        /**
         * SO_RCVBUF of the UDP socket every endpoint shares, in bytes (the kernel caps it at net.core.rmem_max). The
         * OS default (about 208 KiB) overflowed with 50 publishers on one node: frame bursts from many publishers
         * arrive together, and each loss is NACKed by every subscriber (issue #18, docs/benchmarks.md). 0 keeps the
         * OS default.
         */
        @WithDefault("4194304")
        int receiveBufferBytes();

        /**
         * An endpoint that sent nothing (no DTLS, RTP or RTCP) for this long ends with reason {@code idle}: it covers
         * an ALLOCATE never followed by media and a client that vanished without END (browsers send RTCP every few
         * seconds while connected).
         */
        @WithDefault("30s")
        Duration idleTimeout();

        /** ICE must reach COMPLETED within this time after the client's offer, or the endpoint ends (reason ice-failed). */
        @WithDefault("30s")
        Duration connectTimeout();

        /**
         * Consent freshness (RFC 7675): how often the SFU sends a client a consent check (a STUN Binding request on
         * each pair ICE validated, randomised to 0.8-1.2 times this, retransmitted every 500 ms until the next).
         */
        @WithDefault("5s")
        Duration consentInterval();

        /**
         * An endpoint whose client answered no consent check for this long ends with reason {@code consent-expired}
         * and is sent nothing more (RFC 7675 section 5.1: 30 s).
         */
        @WithDefault("30s")
        Duration consentTimeout();
    }

    /** DTLS 1.2 server with a per-node ECDSA P-256 certificate. */
    interface Dtls {
        /** The handshake must finish within this time after ICE connects. */
        @WithDefault("10s")
        Duration handshakeTimeout();

        /** Offer AEAD_AES_128_GCM (RFC 7714) besides AES_CM_128_HMAC_SHA1_80 when the client offers both. */
        @WithDefault("true")
        boolean aeadGcm();
    }

    /** Start-up warm-up of the paths a node's first clients take (see docs/benchmarks.md, media-service failover). */
    interface WarmUp {
        /**
         * DTLS-SRTP handshakes in memory against a bctls client (bctls and the JCA's EC code load and compile); 0: none.
         */
        @WithDefault("30")
        int dtlsHandshakes();

        /**
         * Rounds of two endpoints allocated, answered and ended in a room registry of the warm-up's own (SDP, ice4j
         * agents on the node's UDP port, the SFU's renegotiation); nothing is sent; 0: none.
         */
        @WithDefault("30")
        int roomRounds();

        /** Each of the two warm-ups starts no round after this long (a DTLS handshake is bounded by what is left). */
        @WithDefault("3s")
        Duration budget();
    }

    /** RTP/RTCP forwarding. */
    interface Forward {
        /** Key frame requests (PLI) to one publisher's stream at most once per this interval (RFC 4585 feedback limits). */
        @WithDefault("500ms")
        Duration pliMinInterval();

        /** SRTP contexts per endpoint and direction at most (one per SSRC); more SSRCs are dropped. */
        @WithDefault("64")
        int maxSsrcsPerEndpoint();
    }

    /** Retransmissions from the SFU's packet cache, its RTCP reports, and REMB to publishers. */
    interface Feedback {
        /**
         * Plain RTP packets kept per published video SSRC to answer NACKs (rounded up to a power of two, at most
         * 32768); about 1 s of a 2.5 Mbit/s stream at 512. Memory: this many 1.5 KiB buffers per stream, allocated as
         * the stream fills them.
         */
        @WithDefault("512")
        int nackCachePackets();

        /** Cached packets older than this are not retransmitted (the receiver's jitter buffer has moved on). */
        @WithDefault("1s")
        Duration nackCacheMaxAge();

        /** RTX retransmissions to one subscriber's stream at most at this rate (bit/s); past it NACKs go unanswered. */
        @WithDefault("2000000")
        long rtxMaxBitrate();

        /** One packet is retransmitted to one subscriber at most once per this interval (repeated NACKs). */
        @WithDefault("50ms")
        Duration rtxMinInterval();

        /** How often the SFU sends its receiver reports (with REMB) to publishers and sender reports to subscribers. */
        @WithDefault("1s")
        Duration reportInterval();

        /**
         * The most the SFU lets a publisher send per endpoint, in bit/s, as REMB; the smallest subscriber estimate
         * governs below it. 0 sends no REMB.
         */
        @WithDefault("2500000")
        long rembMaxBitrate();

        /** Subscriber REMB estimates older than this no longer limit publishers. */
        @WithDefault("5s")
        Duration rembMaxAge();
    }

    /** Kafka commands and replies. */
    interface Control {
        /** Commands older than this (by their timestampMs) are dropped: their endpoint's client gave up long ago. */
        @WithDefault("60s")
        Duration maxCommandAge();
    }

    /** Periodic node announcements. */
    interface Announce {
        /**
         * How often the node announces its address, capacity and load. Signaling takes a node silent for 10 s for gone
         * and moves its rooms, so this stays well below that.
         */
        @WithDefault("2s")
        Duration interval();
    }

    /** Graceful shutdown. */
    interface Drain {
        /** On shutdown, announce draining and wait this long for endpoints to end before closing the rest. */
        @WithDefault("30s")
        Duration grace();
    }
}
