package io.icemesh.media.stream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The last plain RTP packets of one published stream, keyed by the publisher's original SSRC (one cache per SSRC)
 * and sequence number, so that a subscriber's NACK can be answered from here (RFC 4588 retransmission) instead of by
 * the publisher. A ring of {@code capacity} slots indexed by sequence number; each slot's buffer is allocated on first
 * use and reused, so memory is bounded by capacity times {@link #MAX_PACKET}.
 *
 * <p>One writer (the publisher's receive thread) and any number of readers (subscribers' RTCP threads), without
 * locks: each slot has a stamp that is odd while the writer fills it (a sequence lock), and a reader whose copy saw
 * the stamp change treats the slot as missing.
 *
 * <p>Simulcast layer switching rewrites sequence numbers per subscriber; its NACK handling maps a NACKed sequence
 * number back to the layer's original SSRC and sequence number, takes that SSRC's cache and calls {@link #copy}.
 */
public final class PacketCache {

    /** Largest packet kept: the receive buffer size, which every forwarded packet fits in. */
    public static final int MAX_PACKET = io.icemesh.media.ice.PacketPool.BUFFER_SIZE;
    /** {@link #copy} result when the packet is not (or no longer) in the cache. */
    public static final int MISS = -1;

    private static final VarHandle STAMPS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int mask;
    private final long maxAgeNanos;
    private final byte[][] data;
    private final int[] lengths;
    private final int[] sequenceNumbers;
    private final long[] storedNanos;
    private final long[] stamps;

    /**
     * @param capacity packets kept, rounded up to a power of two (at least 16, at most 32768: half the sequence space,
     *     so one slot never holds two live sequence numbers)
     * @param maxAgeNanos older packets are not handed out: the receiver has given up on them
     */
    public PacketCache(int capacity, long maxAgeNanos) {
        int size = Integer.highestOneBit(Math.max(16, Math.min(32768, capacity)) * 2 - 1);
        this.mask = size - 1;
        this.maxAgeNanos = maxAgeNanos;
        this.data = new byte[size][];
        this.lengths = new int[size];
        this.sequenceNumbers = new int[size];
        this.storedNanos = new long[size];
        this.stamps = new long[size];
        java.util.Arrays.fill(sequenceNumbers, -1);
    }

    /** Slots in the ring. */
    public int capacity() {
        return mask + 1;
    }

    /**
     * Keeps a copy of the plain packet with this sequence number (writer thread only). Packets larger than
     * {@link #MAX_PACKET} are not kept.
     */
    public void put(byte[] buf, int offset, int length, int sequenceNumber, long nowNanos) {
        if (length <= 0 || length > MAX_PACKET) {
            return;
        }
        int i = sequenceNumber & mask;
        long stamp = stamps[i];
        STAMPS.setVolatile(stamps, i, stamp + 1);
        VarHandle.storeStoreFence();
        byte[] slot = data[i];
        if (slot == null) {
            slot = new byte[MAX_PACKET];
            data[i] = slot;
        }
        System.arraycopy(buf, offset, slot, 0, length);
        lengths[i] = length;
        sequenceNumbers[i] = sequenceNumber & 0xFFFF;
        storedNanos[i] = nowNanos;
        STAMPS.setRelease(stamps, i, stamp + 2);
    }

    /** Whether the packet is held and young enough (writer thread: it reads without the stamp check). */
    public boolean contains(int sequenceNumber, long nowNanos) {
        int i = sequenceNumber & mask;
        return sequenceNumbers[i] == (sequenceNumber & 0xFFFF) && nowNanos - storedNanos[i] <= maxAgeNanos;
    }

    /**
     * Copies the packet with this original sequence number into {@code dst} at {@code dstOffset} and returns its
     * length, or {@link #MISS} when it is not held, older than the maximum age, being overwritten right now, or does
     * not fit in {@code dst}. Safe from any thread; allocates nothing.
     */
    public int copy(int sequenceNumber, long nowNanos, byte[] dst, int dstOffset) {
        int i = sequenceNumber & mask;
        long before = (long) STAMPS.getAcquire(stamps, i);
        if ((before & 1) != 0) {
            return MISS;
        }
        byte[] slot = data[i];
        int length = lengths[i];
        if (slot == null || sequenceNumbers[i] != (sequenceNumber & 0xFFFF) || nowNanos - storedNanos[i] > maxAgeNanos
                || length <= 0 || length > slot.length || dstOffset < 0 || dstOffset > dst.length - length) {
            return MISS;
        }
        System.arraycopy(slot, 0, dst, dstOffset, length);
        VarHandle.loadLoadFence();
        long after = (long) STAMPS.getVolatile(stamps, i);
        return after == before ? length : MISS;
    }
}
