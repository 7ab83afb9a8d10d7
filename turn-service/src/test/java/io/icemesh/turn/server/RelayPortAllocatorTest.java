package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Relay ports: a taken port is skipped, a full range fails cleanly (508 upstream), TCP relays never share one, and a
 * relay socket reads the datagrams waiting in it several per wake-up.
 */
class RelayPortAllocatorTest {

    private static UdpRelay relay() {
        FiveTuple t = new FiveTuple(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2),
                TransportProtocol.UDP);
        Allocation a = new Allocation("x", t, "u", new byte[] {1}, new byte[12], 0, 0, 0);
        return new UdpRelay(a, null, new TurnMetrics(new SimpleMeterRegistry(), () -> 0));
    }

    @Test
    void skipsTakenPortsAndFailsWhenTheRangeIsFull() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (DatagramSocket first = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            int taken = first.getLocalPort();
            int next = taken + 1;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(loopback, next))) {
                probe.close();
                RelayPortAllocator ports = new RelayPortAllocator(loopback, taken, next, 65536, 65536);
                EventLoop loop = group.next();
                UdpRelay relay = relay();
                CompletableFuture<Object> bound = new CompletableFuture<>();
                loop.execute(() -> ports.open(loop, relay, false, bound::complete, () -> bound.complete("failed")));
                Object result = bound.get(5, TimeUnit.SECONDS);
                assertTrue(result instanceof InetSocketAddress, "the free port of the two is used: " + result);
                assertEquals(next, ((InetSocketAddress) result).getPort());
                assertEquals(result, relay.localAddress(), "the relay holds the bound socket");

                CompletableFuture<Object> full = new CompletableFuture<>();
                loop.execute(() -> ports.open(loop, relay(), false, full::complete, () -> full.complete("failed")));
                assertEquals("failed", full.get(5, TimeUnit.SECONDS), "both ports taken");
                relay.close();
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !relay.isOpen());
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aSocketThatCannotBeMadeFailsOnTheLoopInsteadOfThrowingIntoTheAllocate() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            // a receive buffer the socket refuses stands in for a socket that cannot be made (no descriptor left)
            RelayPortAllocator ports = new RelayPortAllocator(loopback, 40000, 40010, -1, 65536);
            EventLoop loop = group.next();
            CompletableFuture<Object> result = new CompletableFuture<>();
            ports.open(loop, relay(), false, result::complete,
                    () -> result.complete(loop.inEventLoop() ? "failed on the loop" : "failed elsewhere"));
            assertEquals("failed on the loop", result.get(5, TimeUnit.SECONDS));
            CompletableFuture<Object> inLoop = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    ports.open(loop, relay(), false, inLoop::complete, () -> inLoop.complete("failed"));
                } catch (RuntimeException e) {
                    inLoop.complete("thrown: " + e);
                }
            });
            assertEquals("failed", inLoop.get(5, TimeUnit.SECONDS), "called from the loop, as AllocateHandler does");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void tcpRelayListenersNeverShareAPortThoughTheyUseReusePort() throws Exception {
        assertTrue(RelayPortAllocator.TCP_REUSE_PORT, "TCP relays use SO_REUSEPORT on Linux");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            int low;
            try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
                low = probe.getLocalPort();
            }
            // a range of one port: SO_REUSEPORT would let a second listener bind it, the allocator must not
            RelayPortAllocator ports = new RelayPortAllocator(loopback, low, low, 65536, 65536);
            EventLoop loop = group.next();
            CompletableFuture<Object> first = new CompletableFuture<>();
            loop.execute(() -> ports.openTcp(loop, new ChannelInboundHandlerAdapter(), first::complete,
                    () -> first.complete("failed")));
            Object bound = first.get(5, TimeUnit.SECONDS);
            assertTrue(bound instanceof Channel, "the port is free: " + bound);
            CompletableFuture<Object> second = new CompletableFuture<>();
            loop.execute(() -> ports.openTcp(loop, new ChannelInboundHandlerAdapter(), second::complete,
                    () -> second.complete("failed")));
            assertEquals("failed", second.get(5, TimeUnit.SECONDS), "a port another relay listens on is not bound again");
            ((Channel) bound).close().sync();
            CompletableFuture<Object> third = new CompletableFuture<>();
            loop.execute(() -> ports.openTcp(loop, new ChannelInboundHandlerAdapter(), third::complete,
                    () -> third.complete("failed")));
            Object again = third.get(5, TimeUnit.SECONDS);
            assertTrue(again instanceof Channel, "a closed relay's port is free again: " + again);
            ((Channel) again).close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aRelaySocketReadsSeveralWaitingDatagramsPerWakeUp() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        int burst = 3 * UdpSocket.DATAGRAMS_PER_READ;
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger wakeUps = new AtomicInteger();
        AtomicInteger held = new AtomicInteger();
        UdpSocket counter = new UdpSocket(new TurnMetrics(new SimpleMeterRegistry(), () -> 0), "relay") {
            @Override
            void onDatagram(ByteBuf data, InetSocketAddress sender) {
                reads.incrementAndGet();
                if (data.readableBytes() != 100 || data.readerIndex() != UdpSocket.HEADROOM) {
                    held.incrementAndGet();
                }
                data.release();
            }

            @Override
            public void channelReady(java.nio.channels.DatagramChannel ch, SelectionKey key) {
                wakeUps.incrementAndGet();
                super.channelReady(ch, key);
            }
        };
        try (DatagramSocket sender = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            int low;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
                low = probe.getLocalPort();
            }
            RelayPortAllocator ports = new RelayPortAllocator(loopback, low, low + 20, 1 << 20, 65536);
            EventLoop loop = group.next();
            CompletableFuture<Object> bound = new CompletableFuture<>();
            loop.execute(() -> ports.open(loop, counter, false, bound::complete, () -> bound.complete("failed")));
            Object result = bound.get(5, TimeUnit.SECONDS);
            assertTrue(result instanceof InetSocketAddress, "bound: " + result);
            // the loop is held while the burst arrives, so that every datagram waits in the socket
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            loop.execute(() -> {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(holding.await(5, TimeUnit.SECONDS));
            byte[] payload = new byte[100];
            for (int i = 0; i < burst; i++) {
                sender.send(new DatagramPacket(payload, payload.length, (InetSocketAddress) result));
            }
            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> reads.get() == burst);
            int expected = burst / UdpSocket.DATAGRAMS_PER_READ;
            assertTrue(wakeUps.get() <= expected + 1, burst + " waiting datagrams took " + wakeUps.get()
                    + " wake-ups, expected about " + expected);
            assertEquals(0, held.get(), "each datagram arrives whole, after the free header bytes");
            counter.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
