package io.icemesh.turn.server;

import io.icemesh.turn.allocation.AllocationManager;
import io.icemesh.turn.allocation.FiveTuple;
import io.icemesh.turn.allocation.TransportProtocol;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and listening sockets. With native epoll (Linux) every event loop gets its own UDP listener on the
 * same port through SO_REUSEPORT, so the kernel spreads clients over cores and a client's 5-tuple always lands on the
 * same loop; elsewhere one NIO listener serves UDP. TCP and TLS share the loops for accepted connections.
 */
final class Listeners {

    /** A stream connection that has no allocation and has been silent this long is closed. */
    static final int STREAM_IDLE_SECONDS = 30;

    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;
    private final int receiveBuffer;
    private final int sendBuffer;
    private final List<Channel> channels = new ArrayList<>();
    private int udpPort = -1;
    private int alternateUdpPort = -1;
    private int tcpPort = -1;
    private int tlsPort = -1;

    Listeners(int threads, int receiveBuffer, int sendBuffer) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        DefaultThreadFactory factory = new DefaultThreadFactory("turn-loop", true);
        this.group = epoll ? new EpollEventLoopGroup(n, factory) : new NioEventLoopGroup(n, factory);
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    boolean nativeTransport() {
        return epoll;
    }

    EventLoopGroup group() {
        return group;
    }

    Class<? extends DatagramChannel> datagramChannelClass() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** Binds the UDP listeners (one per loop with epoll); returns the bound port. */
    int bindUdp(InetAddress address, int port, UdpListenerHandler handler) throws InterruptedException {
        udpPort = bindUdpSockets(address, port, handler);
        return udpPort;
    }

    /** Binds the UDP listeners of the alternate port (served the same way); returns the bound port. */
    int bindAlternateUdp(InetAddress address, int port, UdpListenerHandler handler) throws InterruptedException {
        alternateUdpPort = bindUdpSockets(address, port, handler);
        return alternateUdpPort;
    }

    /**
     * One datagram per {@code recvmsg} (up to 16 per wake-up, {@link RelayPortAllocator#receiveAllocator()}) into a
     * {@link RelayPortAllocator#MAX_DATAGRAM} buffer from the loop's buffer cache. Not
     * {@code recvmmsg}: Netty reads a batch into one buffer of batch x slot bytes, and with Quarkus' allocator
     * chunks (64 KiB, {@code quarkus.netty.allocator-max-order=3}) 16 slots of 16 KiB are an unpooled allocation,
     * zeroed by the JDK on every read (12 % of the process's CPU at 23k packets/s), plus a {@code getsockopt} per read
     * for UDP_GRO. docs/benchmarks.md has the A/B.
     */
    private int bindUdpSockets(InetAddress address, int port, UdpListenerHandler handler) throws InterruptedException {
        int bound = port;
        for (EventExecutor executor : group) {
            Bootstrap b = new Bootstrap().group((EventLoop) executor).channel(datagramChannelClass()).handler(handler)
                    .option(ChannelOption.SO_RCVBUF, receiveBuffer).option(ChannelOption.SO_SNDBUF, sendBuffer)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, RelayPortAllocator.receiveAllocator());
            if (epoll) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            Channel ch = b.bind(address, bound).sync().channel();
            channels.add(ch);
            bound = ((InetSocketAddress) ch.localAddress()).getPort();
            if (!epoll) {
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
        Class<? extends ServerSocketChannel> serverClass = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap().group(group, group).channel(serverClass)
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
        return !channels.isEmpty() && channels.stream().allMatch(Channel::isActive);
    }

    /** Stops accepting: closes the listening sockets (relay sockets stay). */
    void closeListeners() {
        channels.forEach(c -> c.close().awaitUninterruptibly());
    }

    void shutdown() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
