package io.icemesh.turn.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * Datagram writes made while an event loop handles one batch of reads are flushed together when the batch ends,
 * so Netty's epoll transport hands each socket's queued datagrams to the kernel in one {@code sendmmsg} call instead
 * of one {@code sendto} per datagram. The flush runs as a task on the same loop, after the loop has handled every
 * socket that was ready, which is before it sleeps again: the batching adds no wait.
 *
 * <p>One instance per event-loop thread; writes from any other thread are flushed at once. A channel that stops
 * being writable (its queue passed the high-water mark) is flushed at once too, so batching never turns into
 * drops.
 */
final class WriteBatch implements Runnable {

    /** Above this many channels waiting in one batch, everything is flushed at once (bounds the duplicate check). */
    static final int MAX_CHANNELS = 64;

    private static final FastThreadLocal<WriteBatch> BATCH = new FastThreadLocal<>() {
        @Override
        protected WriteBatch initialValue() {
            return new WriteBatch();
        }
    };

    private final ArrayList<Channel> pending = new ArrayList<>();
    private boolean scheduled;

    private WriteBatch() {
    }

    /** Writes {@code datagram} to {@code channel}; the flush follows at the end of the loop's current batch. */
    static void write(Channel channel, Object datagram) {
        EventLoop loop = channel.eventLoop();
        if (!loop.inEventLoop()) {
            channel.writeAndFlush(datagram, channel.voidPromise());
            return;
        }
        BATCH.get().add(channel, datagram, loop);
    }

    private void add(Channel channel, Object datagram, EventLoop loop) {
        channel.write(datagram, channel.voidPromise());
        if (!channel.isWritable()) {
            channel.flush();
            return;
        }
        if (!contains(channel)) {
            if (pending.size() >= MAX_CHANNELS) {
                run();
            }
            pending.add(channel);
        }
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    private boolean contains(Channel channel) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (pending.get(i) == channel) {
                return true;
            }
        }
        return false;
    }

    /** Flushes every channel written since the last flush. */
    @Override
    public void run() {
        scheduled = false;
        for (int i = 0; i < pending.size(); i++) {
            pending.get(i).flush();
        }
        pending.clear();
    }
}
