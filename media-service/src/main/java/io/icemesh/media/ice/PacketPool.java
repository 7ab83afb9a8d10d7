package io.icemesh.media.ice;

import java.util.concurrent.ArrayBlockingQueue;
import kotlin.Unit;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferPool;

/**
 * The receive-buffer pool ice4j's push API draws from ({@link BufferPool}): the harvester thread takes a buffer per
 * datagram and the endpoint returns it once the packet is forwarded, so steady-state receiving allocates no packet
 * memory. A miss (pool empty, or a datagram larger than {@link #BUFFER_SIZE}) allocates; a full pool lets the buffer go.
 */
public final class PacketPool {

    /** Largest UDP payload pooled: an Ethernet MTU (1500) rounded up, which every WebRTC packet fits in. */
    public static final int BUFFER_SIZE = 1536;
    /** Buffers kept; with one receive thread per socket a few hundred cover bursts on the DTLS queues too. */
    public static final int POOL_SIZE = 1024;

    private static final ArrayBlockingQueue<Buffer> POOL = new ArrayBlockingQueue<>(POOL_SIZE);

    private PacketPool() {
    }

    /** Installs the pool into ice4j (idempotent); call before the first harvester exists. */
    public static synchronized void install() {
        BufferPool.getBuffer = PacketPool::take;
        BufferPool.returnBuffer = buffer -> {
            give(buffer);
            return Unit.INSTANCE;
        };
    }

    static Buffer take(int size) {
        if (size <= BUFFER_SIZE) {
            Buffer b = POOL.poll();
            if (b != null) {
                b.setOffset(0);
                b.setLength(size);
                return b;
            }
            return new Buffer(new byte[BUFFER_SIZE], 0, size);
        }
        return new Buffer(new byte[size], 0, size);
    }

    /** Returns a buffer taken from ice4j's push API. */
    public static void give(Buffer buffer) {
        if (buffer != null && buffer.getBuffer().length == BUFFER_SIZE) {
            buffer.setRemoteAddress(null);
            buffer.setLocalAddress(null);
            buffer.setReceivedTime(null);
            POOL.offer(buffer);
        }
    }
}
