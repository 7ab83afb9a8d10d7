package io.icemesh.turn.server;

import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and listening sockets. Netty NIO event loops; every loop gets its own UDP listener on the same port
 * through SO_REUSEPORT (where the platform has it, else one listener serves UDP), so the kernel spreads clients over
 * cores and a client's 5-tuple always lands on the same loop. UDP sockets are JDK datagram channels on the loops'
 * selectors ({@link UdpSocket}); TCP and TLS are Netty channels sharing the loops.
 */
final class Listeners {

    /** A stream connection that has no allocation and has been silent this long is closed. */
    static final int STREAM_IDLE_SECONDS = 30;

    private final NioEventLoopGroup group;
    /** False for listeners on another's loops ({@link #onSameLoops()}): {@link #shutdown()} leaves them running. */
    private final boolean ownsGroup;
    private final int receiveBuffer;
    private final int sendBuffer;
    private final List<Channel> channels = new ArrayList<>();
    private final List<UdpListener> udpListeners = new ArrayList<>();
    private int udpPort = -1;
    private int alternateUdpPort = -1;
    private int tcpPort = -1;
    private int tlsPort = -1;

    Listeners(int threads, int receiveBuffer, int sendBuffer) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.group = new NioEventLoopGroup(n, new DefaultThreadFactory("turn-loop", true));
        this.ownsGroup = true;
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    private Listeners(NioEventLoopGroup group, int receiveBuffer, int sendBuffer) {
        this.group = group;
        this.ownsGroup = false;
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    /** Listeners of their own on these event loops (the warm-up's): closing them leaves the loops running. */
    Listeners onSameLoops() {
        return new Listeners(group, receiveBuffer, sendBuffer);
    }

    NioEventLoopGroup group() {
        return group;
    }

    /** Binds the UDP listeners (one per loop with SO_REUSEPORT); returns the bound port. */
    int bindUdp(InetAddress address, int port, ClientPacketHandler packets, AllocationManager allocations,
            TurnMetrics metrics) throws IOException {
        udpPort = bindUdpSockets(address, port, packets, allocations, metrics);
        return udpPort;
    }

    /** Binds the UDP listeners of the alternate port (served the same way); returns the bound port. */
    int bindAlternateUdp(InetAddress address, int port, ClientPacketHandler packets, AllocationManager allocations,
            TurnMetrics metrics) throws IOException {
        alternateUdpPort = bindUdpSockets(address, port, packets, allocations, metrics);
        return alternateUdpPort;
    }

    private int bindUdpSockets(InetAddress address, int port, ClientPacketHandler packets,
            AllocationManager allocations, TurnMetrics metrics) throws IOException {
        int bound = port;
        for (EventExecutor executor : group) {
            DatagramChannel ch = UdpSocket.openFor(address, receiveBuffer, sendBuffer);
            boolean reusePort = ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
            try {
                if (reusePort) {
                    ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                ch.bind(new InetSocketAddress(address, bound));
            } catch (IOException | RuntimeException e) {
                UdpSocket.closeQuietly(ch);
                throw e;
            }
            UdpListener listener = new UdpListener(packets, allocations, metrics,
                    (InetSocketAddress) ch.getLocalAddress());
            listener.register(ch, (EventLoop) executor);
            udpListeners.add(listener);
            bound = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            if (!reusePort) {
                break;
            }
        }
        return bound;
    }

    /** Binds a TCP (sslContext null) or TLS listener; returns the bound port. */
    int bindStream(InetAddress address, int port, SslContext sslContext, ClientPacketHandler packets,
            AllocationManager allocations, TurnMetrics metrics, StreamConnectionLimits limits, StreamTimeouts timeouts)
            throws InterruptedException {
        TransportProtocol transport = sslContext == null ? TransportProtocol.TCP : TransportProtocol.TLS;
        // the JDK's default socket: 0.0.0.0 is bound as ::, serving IPv6 clients too where the host has IPv6, as
        // Netty's epoll sockets did before
        ServerBootstrap b = new ServerBootstrap().group(group, group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        StreamClientConnection connection = new StreamClientConnection(ch,
                                new FiveTuple(ch.remoteAddress(), ch.localAddress(), transport));
                        if (!limits.admit(connection)) {
                            ch.close();
                            return;
                        }
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new IdleStateHandler(0, 0, STREAM_IDLE_SECONDS, TimeUnit.SECONDS));
                        if (sslContext != null) {
                            SslHandler tls = sslContext.newHandler(ch.alloc());
                            tls.setHandshakeTimeout(timeouts.authNanos(), TimeUnit.NANOSECONDS);
                            p.addLast(tls);
                        }
                        p.addLast(new StunStreamFrameDecoder(metrics, transport.label(), timeouts.frameNanos()));
                        p.addLast(new StreamClientHandler(packets, allocations, metrics, connection, limits,
                                timeouts.authNanos()));
                    }
                });
        Channel ch = b.bind(address, port).sync().channel();
        channels.add(ch);
        int bound = ((InetSocketAddress) ch.localAddress()).getPort();
        if (sslContext == null) {
            tcpPort = bound;
        } else {
            tlsPort = bound;
        }
        return bound;
    }

    /** The deadlines of a stream connection: its allocation (or ConnectionBind), and each frame. */
    record StreamTimeouts(long authNanos, long frameNanos) {
    }

    int udpPort() {
        return udpPort;
    }

    int alternateUdpPort() {
        return alternateUdpPort;
    }

    int tcpPort() {
        return tcpPort;
    }

    int tlsPort() {
        return tlsPort;
    }

    /** True while every listener is open. */
    boolean allOpen() {
        return !(channels.isEmpty() && udpListeners.isEmpty()) && channels.stream().allMatch(Channel::isActive)
                && udpListeners.stream().allMatch(UdpSocket::isOpen);
    }

    /** Stops accepting: closes the listening sockets (relay sockets stay). */
    void closeListeners() {
        channels.forEach(c -> c.close().awaitUninterruptibly());
        udpListeners.forEach(UdpSocket::close);
    }

    /** Returns once every event loop has run the tasks queued on it before this call. */
    void awaitQueuedTasks() {
        for (EventExecutor loop : group) {
            loop.submit(() -> {
            }).syncUninterruptibly();
        }
    }

    /** Stops the event loops, if these listeners made them. */
    void shutdown() {
        if (!ownsGroup) {
            return;
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
