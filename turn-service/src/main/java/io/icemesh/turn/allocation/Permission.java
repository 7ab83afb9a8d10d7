package io.icemesh.turn.allocation;

import java.net.InetAddress;
import java.time.Duration;

/**
 * A permission: the peer IP address (no port) that may send to the client through the relay, and until when
 * (RFC 8656 Section 9: 300 seconds, refreshed by CreatePermission or ChannelBind).
 */
public final class Permission {

    /** The permission lifetime fixed by RFC 8656 Section 9. */
    public static final Duration LIFETIME = Duration.ofSeconds(300);

    private final InetAddress peer;
    private volatile long expiresAtNanos;

    Permission(InetAddress peer, long expiresAtNanos) {
        this.peer = peer;
        this.expiresAtNanos = expiresAtNanos;
    }

    public InetAddress peer() {
        return peer;
    }

    public long expiresAtNanos() {
        return expiresAtNanos;
    }

    void refresh(long expiresAtNanos) {
        this.expiresAtNanos = expiresAtNanos;
    }

    boolean isLive(long nowNanos) {
        return nowNanos - expiresAtNanos < 0;
    }
}
