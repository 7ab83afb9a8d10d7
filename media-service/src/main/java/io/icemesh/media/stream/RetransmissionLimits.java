package io.icemesh.media.stream;

/**
 * How the SFU answers NACKs from its packet cache.
 *
 * @param cachePackets packets kept per published video SSRC
 * @param cacheMaxAgeNanos older packets are not retransmitted (the receiver has moved on)
 * @param maxBitrate retransmitted bits per second per subscriber stream at most
 * @param minIntervalNanos one packet is retransmitted to one subscriber at most once per this interval
 */
public record RetransmissionLimits(int cachePackets, long cacheMaxAgeNanos, long maxBitrate, long minIntervalNanos) {

    /** What the configuration defaults to; for tests and tools that build a forwarder by hand. */
    public static final RetransmissionLimits DEFAULT = new RetransmissionLimits(512, 1_000_000_000L, 2_000_000L,
            50_000_000L);
}
