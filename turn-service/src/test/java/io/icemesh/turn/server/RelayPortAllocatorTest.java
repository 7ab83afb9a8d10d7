package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.turn.allocation.Allocation;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Relay ports: a taken port is skipped, and a full range fails cleanly (508 upstream). */
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
                RelayPortAllocator ports = new RelayPortAllocator(loopback, taken, next, NioDatagramChannel.class,
                        65536, 65536);
                EventLoop loop = group.next();
                CompletableFuture<Object> bound = new CompletableFuture<>();
                loop.execute(() -> ports.open(loop, relay(), false, bound::complete, () -> bound.complete("failed")));
                Object result = bound.get(5, TimeUnit.SECONDS);
                assertTrue(result instanceof Channel, "the free port of the two is used: " + result);
                Channel channel = (Channel) result;
                assertEquals(next, ((InetSocketAddress) channel.localAddress()).getPort());

                CompletableFuture<Object> full = new CompletableFuture<>();
                loop.execute(() -> ports.open(loop, relay(), false, full::complete, () -> full.complete("failed")));
                assertEquals("failed", full.get(5, TimeUnit.SECONDS), "both ports taken");
                channel.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
