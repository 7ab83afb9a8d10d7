package io.icemesh.turn.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Binds relay sockets on a port from the configured range (RFC 8656 Section 7.2), asynchronously on the client's
 * event loop: a random start, then the next ports, skipping ports in use, up to {@link #MAX_ATTEMPTS}.
 */
final class RelayPortAllocator {

    /** Ports tried per allocation before answering 508 Insufficient Capacity. */
    static final int MAX_ATTEMPTS = 32;
    /**
     * Receive buffer per datagram. TURN traffic stays under the path MTU (1500 bytes on most links, RFC 8656
     * Section 2.7), so 16 KiB covers jumbo and loopback frames while staying small enough for Netty's per-thread
     * buffer cache (32 KiB); a datagram that fills it may have been truncated and is dropped and counted.
     */
    static final int MAX_DATAGRAM = 16_384;

    private final InetAddress bindAddress;
    private final int minPort;
    private final int maxPort;
    private final Class<? extends DatagramChannel> channelClass;
    private final int receiveBuffer;
    private final int sendBuffer;

    RelayPortAllocator(InetAddress bindAddress, int minPort, int maxPort, Class<? extends DatagramChannel> channelClass,
            int receiveBuffer, int sendBuffer) {
        this.bindAddress = bindAddress;
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.channelClass = channelClass;
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    InetAddress bindAddress() {
        return bindAddress;
    }

    /**
     * Opens a relay socket with {@code handler} on {@code loop}; calls exactly one of the callbacks on that loop.
     *
     * @param evenPort only even ports (EVEN-PORT, RFC 8656 Section 14.6)
     */
    void open(EventLoop loop, ChannelHandler handler, boolean evenPort, Consumer<Channel> onBound, Runnable onFailure) {
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(channelClass).handler(handler)
                .option(ChannelOption.SO_RCVBUF, receiveBuffer).option(ChannelOption.SO_SNDBUF, sendBuffer)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM));
        int span = maxPort - minPort + 1;
        int start = minPort + ThreadLocalRandom.current().nextInt(span);
        attempt(bootstrap, start, 0, span, evenPort, onBound, onFailure);
    }

    private void attempt(Bootstrap bootstrap, int port, int tries, int span, boolean evenPort, Consumer<Channel> onBound,
            Runnable onFailure) {
        if (tries >= MAX_ATTEMPTS || tries >= span) {
            onFailure.run();
            return;
        }
        int p = port > maxPort ? minPort + (port - maxPort - 1) : port;
        if (evenPort && (p & 1) == 1) {
            p = p + 1 > maxPort ? minPort + (minPort & 1) : p + 1;
        }
        int chosen = p;
        ChannelFuture future = bootstrap.bind(new InetSocketAddress(bindAddress, chosen));
        future.addListener(f -> {
            if (f.isSuccess()) {
                onBound.accept(future.channel());
            } else {
                attempt(bootstrap, chosen + (evenPort ? 2 : 1), tries + 1, span, evenPort, onBound, onFailure);
            }
        });
    }
}
