package io.icemesh.media.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PacketCacheTest {

    private static final long SECOND = 1_000_000_000L;

    private static byte[] packet(int seq, int length) {
        byte[] p = new byte[length];
        Arrays.fill(p, (byte) seq);
        p[0] = (byte) 0x80;
        p[2] = (byte) (seq >>> 8);
        p[3] = (byte) seq;
        return p;
    }

    @Test
    void returnsTheExactBytesOfAPacketItHolds() {
        PacketCache cache = new PacketCache(64, SECOND);
        byte[] p = packet(1000, 300);
        cache.put(p, 0, p.length, 1000, 0);
        byte[] dst = new byte[PacketCache.MAX_PACKET + 10];
        int n = cache.copy(1000, 1, dst, 10);
        assertEquals(300, n);
        assertArrayEquals(p, Arrays.copyOfRange(dst, 10, 310));
    }

    @Test
    void readsFromAnOffsetInTheSourceBuffer() {
        PacketCache cache = new PacketCache(64, SECOND);
        byte[] buf = new byte[500];
        byte[] p = packet(7, 200);
        System.arraycopy(p, 0, buf, 100, 200);
        cache.put(buf, 100, 200, 7, 0);
        byte[] dst = new byte[PacketCache.MAX_PACKET];
        assertEquals(200, cache.copy(7, 0, dst, 0));
        assertArrayEquals(p, Arrays.copyOf(dst, 200));
    }

    @Test
    void missesAPacketItNeverHeld() {
        PacketCache cache = new PacketCache(64, SECOND);
        cache.put(packet(5, 100), 0, 100, 5, 0);
        assertEquals(PacketCache.MISS, cache.copy(6, 0, new byte[2000], 0));
        assertFalse(cache.contains(6, 0));
        assertTrue(cache.contains(5, 0));
    }

    @Test
    void aNewerPacketInTheSameSlotEvictsTheOlder() {
        PacketCache cache = new PacketCache(16, SECOND);
        assertEquals(16, cache.capacity());
        cache.put(packet(3, 100), 0, 100, 3, 0);
        cache.put(packet(19, 120), 0, 120, 19, 0);
        byte[] dst = new byte[2000];
        assertEquals(PacketCache.MISS, cache.copy(3, 0, dst, 0), "slot 3 now holds 19");
        assertEquals(120, cache.copy(19, 0, dst, 0));
    }

    @Test
    void packetsOlderThanTheMaximumAgeAreNotHandedOut() {
        PacketCache cache = new PacketCache(64, SECOND);
        cache.put(packet(9, 100), 0, 100, 9, 0);
        assertEquals(100, cache.copy(9, SECOND, new byte[2000], 0));
        assertEquals(PacketCache.MISS, cache.copy(9, SECOND + 1, new byte[2000], 0));
        assertFalse(cache.contains(9, SECOND + 1));
    }

    @Test
    void sequenceNumbersWrapAround() {
        PacketCache cache = new PacketCache(64, SECOND);
        for (int seq = 65530; seq < 65540; seq++) {
            cache.put(packet(seq & 0xFFFF, 50), 0, 50, seq & 0xFFFF, 0);
        }
        byte[] dst = new byte[2000];
        assertEquals(50, cache.copy(65535, 0, dst, 0));
        assertEquals(50, cache.copy(3, 0, dst, 0));
        assertEquals(0, dst[2]);
        assertEquals(3, dst[3]);
    }

    @Test
    void capacityIsRoundedUpToAPowerOfTwoWithinBounds() {
        assertEquals(512, new PacketCache(300, SECOND).capacity());
        assertEquals(512, new PacketCache(512, SECOND).capacity());
        assertEquals(16, new PacketCache(0, SECOND).capacity());
        assertEquals(32768, new PacketCache(1 << 20, SECOND).capacity());
    }

    @Test
    void oversizedPacketsAndTooSmallDestinationsAreRefused() {
        PacketCache cache = new PacketCache(64, SECOND);
        byte[] big = new byte[PacketCache.MAX_PACKET + 1];
        cache.put(big, 0, big.length, 1, 0);
        assertFalse(cache.contains(1, 0));
        cache.put(packet(2, 400), 0, 400, 2, 0);
        assertEquals(PacketCache.MISS, cache.copy(2, 0, new byte[399], 0));
        assertEquals(PacketCache.MISS, cache.copy(2, 0, new byte[500], 200));
        assertEquals(PacketCache.MISS, cache.copy(2, 0, new byte[500], -1));
    }

    @Test
    void aReaderNeverSeesATornPacket() throws Exception {
        // One writer fills slots with packets whose every byte is the same value; readers must get whole packets only.
        PacketCache cache = new PacketCache(16, Long.MAX_VALUE);
        int rounds = 200_000;
        Thread writer = new Thread(() -> {
            byte[] p = new byte[1000];
            for (int i = 0; i < rounds; i++) {
                int seq = i & 0xFFFF;
                Arrays.fill(p, (byte) i);
                p[2] = (byte) (seq >>> 8);
                p[3] = (byte) seq;
                cache.put(p, 0, 1000, seq, 0);
            }
        });
        writer.start();
        byte[] dst = new byte[PacketCache.MAX_PACKET];
        while (writer.isAlive()) {
            for (int seq = 0; seq < 16; seq++) {
                int n = cache.copy(seq, 0, dst, 0);
                if (n > 0) {
                    byte v = dst[10];
                    for (int i = 4; i < n; i++) {
                        if (dst[i] != v) {
                            throw new AssertionError("torn packet at byte " + i);
                        }
                    }
                }
            }
        }
        writer.join();
        int last = (rounds - 1) & 0xFFFF;
        assertEquals(1000, cache.copy(last, 0, dst, 0), "the last packet written is whole and held");
        assertEquals((byte) (rounds - 1), dst[500]);
    }
}
