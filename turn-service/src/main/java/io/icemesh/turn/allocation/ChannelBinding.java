package io.icemesh.turn.allocation;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A channel binding: a channel number bound to a peer transport address (RFC 8656 Section 12: 10 minutes,
 * refreshed by a new ChannelBind).
 */
public final class ChannelBinding {

    /** The channel binding lifetime fixed by RFC 8656 Section 12. */
    public static final Duration LIFETIME = Duration.ofSeconds(600);

    private final int number;
    private final InetSocketAddress peer;
    private volatile long expiresAtNanos;

    ChannelBinding(int number, InetSocketAddress peer, long expiresAtNanos) {
        this.number = number;
        this.peer = peer;
        this.expiresAtNanos = expiresAtNanos;
    }

    public int number() {
        return number;
    }

    public InetSocketAddress peer() {
        return peer;
    }

    void refresh(long expiresAtNanos) {
        this.expiresAtNanos = expiresAtNanos;
    }

    boolean isLive(long nowNanos) {
        return nowNanos - expiresAtNanos < 0;
    }
}
