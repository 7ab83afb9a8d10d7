package io.icemesh.loadgen;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One thread that owns a set of endpoints: it reads their sockets (non-blocking, one selector), runs their timers
 * every {@link #TICK_MILLIS} ms and the tasks other threads hand it. A datagram is read into one reused array and
 * handled in place, so receiving allocates nothing per packet.
 */
final class Reactor implements Runnable {

    static final int TICK_MILLIS = 2;
    /** Datagrams read from one socket before the next socket gets its turn. */
    private static final int READS_PER_TURN = 32;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final byte[] rx = new byte[2048];
    private final ByteBuffer rxBuffer = ByteBuffer.wrap(rx);
    private volatile boolean running = true;

    Reactor(String name) throws IOException {
        selector = Selector.open();
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs a task on this reactor's thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    void register(Endpoint e) {
        execute(() -> {
            try {
                e.channel.register(selector, SelectionKey.OP_READ, e);
                endpoints.add(e);
            } catch (ClosedChannelException ex) {
                e.fail("socket closed before registration");
            }
        });
    }

    void unregister(Endpoint e) {
        endpoints.remove(e);
        SelectionKey key = e.channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
    }

    void stop() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        long nextTick = System.nanoTime();
        while (running) {
            try {
                selector.select(TICK_MILLIS);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            runTasks();
            long now = System.nanoTime();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (key.isValid()) {
                    Endpoint e = (Endpoint) key.attachment();
                    try {
                        read(e, now);
                    } catch (RuntimeException ex) {
                        e.fail("receive: " + ex); // that endpoint's run is over, not the reactor's others
                    }
                }
            }
            now = System.nanoTime();
            if (now >= nextTick) {
                nextTick = now + TICK_MILLIS * 1_000_000L;
                for (int i = 0; i < endpoints.size(); i++) {
                    Endpoint e = endpoints.get(i);
                    try {
                        e.tick(now);
                    } catch (RuntimeException ex) {
                        e.fail("timer: " + ex);
                    }
                }
            }
        }
        runTasks(); // the close tasks queued before stop()
        for (Endpoint e : List.copyOf(endpoints)) {
            try {
                e.channel.close();
            } catch (IOException ex) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // stopping anyway
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException ex) {
                System.err.println("loadgen: a reactor task failed: " + ex);
            }
        }
    }

    private void read(Endpoint e, long now) {
        DatagramChannel ch = e.channel;
        for (int i = 0; i < READS_PER_TURN; i++) {
            rxBuffer.clear();
            SocketAddress from;
            try {
                from = ch.receive(rxBuffer);
            } catch (IOException ex) {
                return;
            }
            if (from == null) {
                return;
            }
            int n = rxBuffer.position();
            if (n > 0) {
                e.onDatagram(rx, n, from, now);
            }
        }
    }
}
