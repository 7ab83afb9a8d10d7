package io.icemesh.turn.allocation;

import io.icemesh.stun.TokenBucket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TURN allocation (RFC 8656 Section 2.2): the client's 5-tuple, its credentials, the relayed address, the
 * lifetime, permissions and channel bindings, and traffic counters.
 *
 * <p>Threading: permissions and channel bindings are copy-on-write arrays behind volatile fields, written only by
 * control requests (under this object's lock) and read without a lock by the relay path. Each direction's
 * bandwidth bucket has a single writer: the event loop that owns the client socket (to peers) or the relay
 * socket (to the client), which the server keeps the same.
 */
public final class Allocation {

    /** Permissions per allocation at most; a request past it gets 508 (protects memory). */
    public static final int MAX_PERMISSIONS = 256;
    /** Channel bindings per allocation at most (the whole 0x4000-0x4FFF range is 4096). */
    public static final int MAX_CHANNELS = 256;

    /** The result of a ChannelBind attempt (RFC 8656 Section 12.2). */
    public enum BindResult { BOUND, REFRESHED, CONFLICT, TOO_MANY }

    private static final Permission[] NO_PERMISSIONS = new Permission[0];
    private static final ChannelBinding[] NO_CHANNELS = new ChannelBinding[0];

    private final String id;
    private final FiveTuple fiveTuple;
    private final String username;
    private final byte[] key;
    private final byte[] transactionId;
    private final long createdAtMillis;
    private volatile RelayEndpoint relay;
    private volatile long expiresAtNanos;
    private volatile Permission[] permissions = NO_PERMISSIONS;
    private volatile ChannelBinding[] channels = NO_CHANNELS;
    private final TokenBucket toPeerBandwidth;
    private final TokenBucket toClientBandwidth;

    private final LongAdder packetsToPeer = new LongAdder();
    private final LongAdder bytesToPeer = new LongAdder();
    private final LongAdder packetsFromPeer = new LongAdder();
    private final LongAdder bytesFromPeer = new LongAdder();

    /**
     * @param bandwidthBytesPerSecond the cap per direction; 0 for none
     */
    public Allocation(String id, FiveTuple fiveTuple, String username, byte[] key, byte[] transactionId,
            long expiresAtNanos, long bandwidthBytesPerSecond, long nowNanos) {
        this.id = id;
        this.fiveTuple = fiveTuple;
        this.username = username;
        this.key = key.clone();
        this.transactionId = transactionId.clone();
        this.createdAtMillis = System.currentTimeMillis();
        this.expiresAtNanos = expiresAtNanos;
        if (bandwidthBytesPerSecond > 0) {
            // a burst of a quarter second's worth, and at least one maximal datagram
            double burst = Math.max(bandwidthBytesPerSecond / 4.0, 65_536);
            this.toPeerBandwidth = new TokenBucket(bandwidthBytesPerSecond, burst, nowNanos);
            this.toClientBandwidth = new TokenBucket(bandwidthBytesPerSecond, burst, nowNanos);
        } else {
            this.toPeerBandwidth = null;
            this.toClientBandwidth = null;
        }
    }

    public String id() {
        return id;
    }

    public FiveTuple fiveTuple() {
        return fiveTuple;
    }

    public String username() {
        return username;
    }

    /** The long-term key the allocation was created with (RFC 8656 Section 7.2: later requests use the same). */
    public byte[] key() {
        return key.clone();
    }

    /** True when {@code other} is the key this allocation was created with. */
    public boolean hasKey(byte[] other) {
        return java.security.MessageDigest.isEqual(key, other);
    }

    /** True when {@code txId} is the Allocate transaction that created this allocation (a retransmission). */
    public boolean createdBy(byte[] txId) {
        return Arrays.equals(transactionId, txId);
    }

    public long createdAtMillis() {
        return createdAtMillis;
    }

    /** The relay socket; null until the relay port is bound. */
    public RelayEndpoint relay() {
        return relay;
    }

    /** Attaches the bound relay socket. */
    public void attachRelay(RelayEndpoint relay) {
        this.relay = relay;
    }

    public long expiresAtNanos() {
        return expiresAtNanos;
    }

    /** Sets a new lifetime from now (Refresh, RFC 8656 Section 8). */
    public void refresh(long expiresAtNanos) {
        this.expiresAtNanos = expiresAtNanos;
    }

    public boolean isExpired(long nowNanos) {
        return nowNanos - expiresAtNanos >= 0;
    }

    /**
     * Installs or refreshes a permission for a peer IP (RFC 8656 Section 10.2).
     *
     * @return false when the allocation already has {@link #MAX_PERMISSIONS}
     */
    public synchronized boolean installPermission(InetAddress peer, long expiresAtNanos) {
        Permission[] current = permissions;
        for (Permission p : current) {
            if (p.peer().equals(peer)) {
                p.refresh(expiresAtNanos);
                return true;
            }
        }
        if (current.length >= MAX_PERMISSIONS) {
            return false;
        }
        Permission[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = new Permission(peer, expiresAtNanos);
        permissions = next;
        return true;
    }

    /** True when a live permission exists for the peer IP (lock-free; relay path). */
    public boolean hasPermission(InetAddress peer, long nowNanos) {
        for (Permission p : permissions) {
            if (p.isLive(nowNanos) && p.peer().equals(peer)) {
                return true;
            }
        }
        return false;
    }

    public int permissionCount() {
        return permissions.length;
    }

    /**
     * Binds a channel number to a peer, or refreshes the same binding (RFC 8656 Section 12.2). A number bound to
     * another peer, or a peer bound to another number, is a conflict (the server answers 400).
     */
    public synchronized BindResult bindChannel(int number, InetSocketAddress peer, long expiresAtNanos) {
        ChannelBinding[] current = channels;
        for (ChannelBinding c : current) {
            boolean sameNumber = c.number() == number;
            boolean samePeer = c.peer().equals(peer);
            if (sameNumber && samePeer) {
                c.refresh(expiresAtNanos);
                return BindResult.REFRESHED;
            }
            if (sameNumber || samePeer) {
                return BindResult.CONFLICT;
            }
        }
        if (current.length >= MAX_CHANNELS) {
            return BindResult.TOO_MANY;
        }
        ChannelBinding[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = new ChannelBinding(number, peer, expiresAtNanos);
        channels = next;
        return BindResult.BOUND;
    }

    /** The live binding of a channel number, or null (lock-free; relay path). */
    public ChannelBinding channel(int number, long nowNanos) {
        for (ChannelBinding c : channels) {
            if (c.number() == number) {
                return c.isLive(nowNanos) ? c : null;
            }
        }
        return null;
    }

    /** The live binding for a peer transport address, or null (lock-free; relay path). */
    public ChannelBinding channelFor(InetSocketAddress peer, long nowNanos) {
        for (ChannelBinding c : channels) {
            if (c.peer().equals(peer)) {
                return c.isLive(nowNanos) ? c : null;
            }
        }
        return null;
    }

    /** Drops expired permissions and channel bindings (RFC 8656 Sections 9 and 12). */
    public synchronized void expireStale(long nowNanos) {
        Permission[] p = permissions;
        if (Arrays.stream(p).anyMatch(x -> !x.isLive(nowNanos))) {
            permissions = Arrays.stream(p).filter(x -> x.isLive(nowNanos)).toArray(Permission[]::new);
        }
        ChannelBinding[] c = channels;
        if (Arrays.stream(c).anyMatch(x -> !x.isLive(nowNanos))) {
            channels = Arrays.stream(c).filter(x -> x.isLive(nowNanos)).toArray(ChannelBinding[]::new);
        }
    }

    /** Takes bandwidth for a packet towards a peer; false when over the cap (the packet is dropped). */
    public boolean admitToPeer(int bytes, long nowNanos) {
        return toPeerBandwidth == null || toPeerBandwidth.tryTake(bytes, nowNanos);
    }

    /** Takes bandwidth for a packet towards the client; false when over the cap. */
    public boolean admitToClient(int bytes, long nowNanos) {
        return toClientBandwidth == null || toClientBandwidth.tryTake(bytes, nowNanos);
    }

    public void countToPeer(int bytes) {
        packetsToPeer.increment();
        bytesToPeer.add(bytes);
    }

    public void countFromPeer(int bytes) {
        packetsFromPeer.increment();
        bytesFromPeer.add(bytes);
    }

    public long packetsToPeer() {
        return packetsToPeer.sum();
    }

    public long bytesToPeer() {
        return bytesToPeer.sum();
    }

    public long packetsFromPeer() {
        return packetsFromPeer.sum();
    }

    public long bytesFromPeer() {
        return bytesFromPeer.sum();
    }
}
