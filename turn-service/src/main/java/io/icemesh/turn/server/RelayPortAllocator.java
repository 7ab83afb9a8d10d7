package io.icemesh.turn.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Binds relay sockets on a port from the configured range (RFC 8656 Section 7.2), on the client's event loop: a
 * random start, then the next ports, skipping ports in use, up to {@link #MAX_ATTEMPTS}. UDP relays bind a JDK
 * datagram socket served by the loop ({@link UdpSocket}); TCP relays (RFC 6062) a listening socket, from whose address
 * outgoing connections to peers are made too (SO_REUSEPORT lets both hold the address; without it the outgoing
 * connection takes an ephemeral port). Because SO_REUSEPORT would also let a second listener bind a port another
 * allocation listens on, the TCP relay ports this process holds are kept in a set and never bound twice.
 */
final class RelayPortAllocator {

    private static final Logger LOG = Logger.getLogger(RelayPortAllocator.class);

    /** Ports tried per allocation before answering 508 Insufficient Capacity. */
    static final int MAX_ATTEMPTS = 32;
    /**
     * Receive buffer per datagram. TURN traffic stays under the path MTU (1500 bytes on most links, RFC 8656
     * Section 2.7), so 16 KiB covers jumbo and loopback frames; a datagram that fills it may have been truncated and
     * is dropped and counted.
     */
    static final int MAX_DATAGRAM = 16_384;
    /** Pending peer connections a TCP relay's listening socket queues (peers of one allocation, a handful). */
    static final int TCP_BACKLOG = 16;
    /** Whether TCP sockets take SO_REUSEPORT here (Linux does). */
    static final boolean TCP_REUSE_PORT = tcpReusePort();

    private final InetAddress bindAddress;
    private final int minPort;
    private final int maxPort;
    /** TCP relay ports listening now (SO_REUSEPORT does not refuse a second listener, so this set does). */
    private final Set<Integer> tcpPorts = ConcurrentHashMap.newKeySet();
    private final int receiveBuffer;
    private final int sendBuffer;

    RelayPortAllocator(InetAddress bindAddress, int minPort, int maxPort, int receiveBuffer, int sendBuffer) {
        this.bindAddress = bindAddress;
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    private static boolean tcpReusePort() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    InetAddress bindAddress() {
        return bindAddress;
    }

    /**
     * Opens {@code relay}'s socket on {@code loop}: a port from the range, then registered on the loop, so that it
     * reads. Calls exactly one of the callbacks, on that loop, with the bound address. A failed bind leaves the
     * socket open and unbound, so one socket serves every attempt.
     *
     * @param evenPort only even ports (EVEN-PORT, RFC 8656 Section 14.6)
     */
    void open(EventLoop loop, UdpSocket relay, boolean evenPort, Consumer<InetSocketAddress> onBound,
            Runnable onFailure) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> open(loop, relay, evenPort, onBound, onFailure));
            return;
        }
        DatagramChannel channel = null;
        InetSocketAddress bound = null;
        try {
            channel = UdpSocket.openFor(bindAddress, receiveBuffer, sendBuffer);
            int span = maxPort - minPort + 1;
            int port = minPort + ThreadLocalRandom.current().nextInt(span);
            for (int tries = 0; tries < MAX_ATTEMPTS && tries < span && bound == null; tries++) {
                int p = wrap(port, evenPort);
                try {
                    channel.bind(new InetSocketAddress(bindAddress, p));
                    bound = (InetSocketAddress) channel.getLocalAddress();
                } catch (BindException e) {
                    port = p + (evenPort ? 2 : 1);
                }
            }
            if (bound != null) {
                relay.register(channel, loop);
            }
        } catch (IOException | RuntimeException e) {
            // no descriptor left (EMFILE/ENFILE) or a socket option refused: 508
            LOG.debugf("relay socket not opened: %s", e.getMessage());
            bound = null;
        }
        if (bound == null) {
            if (channel != null) {
                UdpSocket.closeQuietly(channel);
            }
            onFailure.run();
            return;
        }
        onBound.accept(bound);
    }

    /** {@code port} inside the range (wrapping past its end), and even when asked. */
    private int wrap(int port, boolean evenPort) {
        int p = port > maxPort ? minPort + (port - maxPort - 1) : port;
        if (evenPort && (p & 1) == 1) {
            p = p + 1 > maxPort ? minPort + (minPort & 1) : p + 1;
        }
        return p;
    }

    /**
     * Opens a TCP relay's listening socket on {@code loop}, its accepted connections served by {@code acceptor} on
     * the same loop; calls exactly one of the callbacks on that loop.
     */
    void openTcp(EventLoop loop, ChannelHandler acceptor, Consumer<Channel> onBound, Runnable onFailure) {
        ServerBootstrap bootstrap = new ServerBootstrap().group(loop, loop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true).option(ChannelOption.SO_BACKLOG, TCP_BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true).childHandler(acceptor);
        if (TCP_REUSE_PORT) {
            bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
        int span = maxPort - minPort + 1;
        int start = minPort + ThreadLocalRandom.current().nextInt(span);
        attempt(address -> {
            int port = address.getPort();
            if (!tcpPorts.add(port)) {
                return null;
            }
            ChannelFuture future = bootstrap.bind(address);
            future.addListener(f -> {
                if (f.isSuccess()) {
                    future.channel().closeFuture().addListener(c -> tcpPorts.remove(port));
                } else {
                    tcpPorts.remove(port);
                }
            });
            return future;
        }, start, 0, span, onBound, onFailure);
    }

    /** Connects from a TCP relay's address to a peer, on {@code loop}; the channel does not read until told to. */
    ChannelFuture connectTcp(EventLoop loop, InetSocketAddress local, InetSocketAddress peer, int timeoutMillis) {
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true).option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new io.netty.channel.ChannelInboundHandlerAdapter());
        if (!TCP_REUSE_PORT) {
            return bootstrap.connect(peer);
        }
        return bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true).connect(peer, local);
    }

    /** Tries TCP ports from {@code port} on; {@code bind} returns the bind's future, or null for a port to skip. */
    private void attempt(Function<InetSocketAddress, ChannelFuture> bind, int port, int tries, int span,
            Consumer<Channel> onBound, Runnable onFailure) {
        if (tries >= MAX_ATTEMPTS || tries >= span) {
            onFailure.run();
            return;
        }
        int chosen = wrap(port, false);
        ChannelFuture future = bind.apply(new InetSocketAddress(bindAddress, chosen));
        if (future == null) {
            attempt(bind, chosen + 1, tries + 1, span, onBound, onFailure);
            return;
        }
        future.addListener(f -> {
            if (f.isSuccess()) {
                onBound.accept(future.channel());
            } else {
                attempt(bind, chosen + 1, tries + 1, span, onBound, onFailure);
            }
        });
    }
}
