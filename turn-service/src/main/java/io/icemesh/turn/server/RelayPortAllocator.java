package io.icemesh.turn.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.Socket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Binds relay sockets on a port from the configured range (RFC 8656 Section 7.2), asynchronously on the client's
 * event loop: a random start, then the next ports, skipping ports in use, up to {@link #MAX_ATTEMPTS}. UDP relays
 * bind a datagram socket; TCP relays (RFC 6062) a listening socket, from whose address outgoing connections to peers
 * are made too (SO_REUSEPORT lets both hold the address with native epoll; with NIO the outgoing connection takes
 * an ephemeral port). Because SO_REUSEPORT would also let a second listener bind a port another allocation listens
 * on, the TCP relay ports this process holds are kept in a set and never bound twice.
 */
final class RelayPortAllocator {

    private static final Logger LOG = Logger.getLogger(RelayPortAllocator.class);

    /** Ports tried per allocation before answering 508 Insufficient Capacity. */
    static final int MAX_ATTEMPTS = 32;
    /**
     * Receive buffer per datagram. TURN traffic stays under the path MTU (1500 bytes on most links, RFC 8656
     * Section 2.7), so 16 KiB covers jumbo and loopback frames while staying small enough for Netty's per-thread
     * buffer cache (32 KiB); a datagram that fills it may have been truncated and is dropped and counted.
     */
    static final int MAX_DATAGRAM = 16_384;
    /** Pending peer connections a TCP relay's listening socket queues (peers of one allocation, a handful). */
    static final int TCP_BACKLOG = 16;

    private final InetAddress bindAddress;
    private final int minPort;
    private final int maxPort;
    private final boolean epoll;
    /** TCP relay ports listening now (SO_REUSEPORT does not refuse a second listener, so this set does). */
    private final Set<Integer> tcpPorts = ConcurrentHashMap.newKeySet();
    private final int receiveBuffer;
    private final int sendBuffer;
    /** Datagrams read from one socket per wake-up before the loop turns to its other sockets. */
    static final int DATAGRAMS_PER_READ = 16;
    /** Shared: each channel takes its own handle from it. */
    private final FixedRecvByteBufAllocator receiveAllocator = receiveAllocator();

    RelayPortAllocator(InetAddress bindAddress, int minPort, int maxPort, Class<? extends DatagramChannel> channelClass,
            int receiveBuffer, int sendBuffer) {
        this.bindAddress = bindAddress;
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.epoll = channelClass == EpollDatagramChannel.class;
        this.receiveBuffer = receiveBuffer;
        this.sendBuffer = sendBuffer;
    }

    /**
     * Up to {@link #DATAGRAMS_PER_READ} datagrams per wake-up, one per {@code recvmsg}, into a {@link #MAX_DATAGRAM}
     * buffer. An allocator set on a channel keeps its own {@code maxMessagesPerRead}, 1 unless told: the channel then
     * reads one datagram, re-schedules its read as a task and the loop makes an {@code epoll_wait} for each datagram.
     */
    static FixedRecvByteBufAllocator receiveAllocator() {
        FixedRecvByteBufAllocator allocator = new FixedRecvByteBufAllocator(MAX_DATAGRAM);
        allocator.maxMessagesPerRead(DATAGRAMS_PER_READ);
        return allocator;
    }

    InetAddress bindAddress() {
        return bindAddress;
    }

    /**
     * Opens a relay socket with {@code handler} on {@code loop}; calls exactly one of the callbacks on that loop.
     *
     * <p>Without a {@code Bootstrap}: one channel is made, configured, registered and then bound to port after port
     * until a bind succeeds (a failed bind leaves the socket open and unbound, so the next port reuses it). A
     * Bootstrap makes a channel per port through reflection, copies its option maps and closes the channel on every
     * failed bind; per allocation that was about a seventh of the event loop's time (docs/benchmarks.md).
     *
     * @param evenPort only even ports (EVEN-PORT, RFC 8656 Section 14.6)
     */
    void open(EventLoop loop, ChannelHandler handler, boolean evenPort, Consumer<Channel> onBound, Runnable onFailure) {
        DatagramChannel channel = null;
        try {
            channel = epoll ? new EpollDatagramChannel() : new NioDatagramChannel();
            channel.config().setReceiveBufferSize(receiveBuffer).setSendBufferSize(sendBuffer)
                    .setRecvByteBufAllocator(receiveAllocator);
            channel.pipeline().addLast(handler);
        } catch (RuntimeException e) {
            // no descriptor left (EMFILE/ENFILE) or a socket option refused: 508, as a Bootstrap's failed future was
            LOG.debugf("relay socket not opened: %s", e.getMessage());
            if (channel != null) {
                channel.unsafe().closeForcibly();
            }
            if (loop.inEventLoop()) {
                onFailure.run();
            } else {
                loop.execute(onFailure);
            }
            return;
        }
        DatagramChannel opened = channel;
        loop.register(opened).addListener(registered -> {
            if (!registered.isSuccess()) {
                opened.unsafe().closeForcibly();
                onFailure.run();
                return;
            }
            int span = maxPort - minPort + 1;
            int start = minPort + ThreadLocalRandom.current().nextInt(span);
            attempt(opened::bind, start, 0, span, evenPort, onBound, () -> {
                opened.close();
                onFailure.run();
            });
        });
    }

    /**
     * Opens a TCP relay's listening socket on {@code loop}, its accepted connections served by {@code acceptor} on
     * the same loop; calls exactly one of the callbacks on that loop.
     */
    void openTcp(EventLoop loop, ChannelHandler acceptor, Consumer<Channel> onBound, Runnable onFailure) {
        ServerBootstrap bootstrap = new ServerBootstrap().group(loop, loop)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true).option(ChannelOption.SO_BACKLOG, TCP_BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true).childHandler(acceptor);
        if (epoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
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
        }, start, 0, span, false, onBound, onFailure);
    }

    /** Connects from a TCP relay's address to a peer, on {@code loop}; the channel does not read until told to. */
    ChannelFuture connectTcp(EventLoop loop, InetSocketAddress local, InetSocketAddress peer, int timeoutMillis) {
        Bootstrap bootstrap = new Bootstrap().group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true).option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        // runs at registration, before the bind: Netty's socket channel config has no SO_REUSEPORT
                        // option, so it is set on the descriptor
                        if (ch instanceof EpollSocketChannel socket) {
                            ((Socket) socket.fd()).setReusePort(true);
                        }
                    }
                });
        return epoll ? bootstrap.connect(peer, local) : bootstrap.connect(peer);
    }

    /** Tries ports from {@code port} on; {@code bind} returns the bind's future, or null for a port to skip. */
    private void attempt(Function<InetSocketAddress, ChannelFuture> bind, int port, int tries, int span,
            boolean evenPort, Consumer<Channel> onBound, Runnable onFailure) {
        if (tries >= MAX_ATTEMPTS || tries >= span) {
            onFailure.run();
            return;
        }
        int p = port > maxPort ? minPort + (port - maxPort - 1) : port;
        if (evenPort && (p & 1) == 1) {
            p = p + 1 > maxPort ? minPort + (minPort & 1) : p + 1;
        }
        int chosen = p;
        ChannelFuture future = bind.apply(new InetSocketAddress(bindAddress, chosen));
        if (future == null) {
            attempt(bind, chosen + (evenPort ? 2 : 1), tries + 1, span, evenPort, onBound, onFailure);
            return;
        }
        future.addListener(f -> {
            if (f.isSuccess()) {
                onBound.accept(future.channel());
            } else {
                attempt(bind, chosen + (evenPort ? 2 : 1), tries + 1, span, evenPort, onBound, onFailure);
            }
        });
    }
}
