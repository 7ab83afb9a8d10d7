package io.icemesh.turn.server;

import io.icemesh.stun.ChannelData;
import io.icemesh.turn.metrics.TurnMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.nio.NioTask;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * A UDP socket (a listener or an allocation's relay) served by a Netty NIO event loop without a Netty channel: a JDK
 * {@link DatagramChannel} registered on the loop's selector with a {@link NioTask}. The loop's other work (TCP, TLS,
 * timers, tasks) stays Netty's.
 *
 * <p>Why not Netty's datagram channels: per datagram they cost a {@code DatagramPacket}, a sender address, a pooled
 * buffer, an outbound-buffer entry and a pipeline pass, and that user-space work made turn-service's CPU per relayed
 * packet about 1.3x coturn's while the kernel's share was the same (docs/benchmarks.md, the relay profile). Here a
 * datagram is read into the loop's one receive buffer, whose first {@link #HEADROOM} bytes are kept free so that a
 * peer's datagram becomes ChannelData by writing its header in place, and each send is one {@code sendto} on the
 * spot: no queue, no flush task, no copy. The JDK keeps the last sender's address object and the last target's
 * encoded address, so a steady flow allocates nothing.
 *
 * <p>A send that finds the socket's buffer full drops the datagram, as coturn does (UDP has no back-pressure to
 * give); relayed data counts it. Everything here runs on the socket's loop except {@link #send} and {@link #close}, which any
 * thread may call.
 */
abstract class UdpSocket implements NioTask<DatagramChannel> {

    private static final Logger LOG = Logger.getLogger(UdpSocket.class);

    /** Free bytes kept before each received datagram: a ChannelData header. */
    static final int HEADROOM = ChannelData.HEADER_LENGTH;
    /** Datagrams read from one socket per wake-up before the loop turns to its other sockets. */
    static final int DATAGRAMS_PER_READ = 16;

    /**
     * The loop's receive buffer. Handlers get it retained once and release it when done (or keep it, retained); a
     * buffer still held after its handler returned is left to its holder and the loop takes a new one. Not pooled:
     * its memory goes with the garbage collector if a holder never releases it.
     */
    private static final FastThreadLocal<ByteBuf> RECEIVE = new FastThreadLocal<>() {
        @Override
        protected ByteBuf initialValue() {
            return newReceiveBuffer();
        }
    };

    protected final TurnMetrics metrics;
    private final String label;
    private volatile DatagramChannel channel;
    private volatile NioEventLoop loop;

    UdpSocket(TurnMetrics metrics, String label) {
        this.metrics = metrics;
        this.label = label;
    }

    private static ByteBuf newReceiveBuffer() {
        return Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(HEADROOM + RelayPortAllocator.MAX_DATAGRAM));
    }

    /** Registers the bound, non-blocking {@code ch} on {@code eventLoop}; from then on it reads. */
    final void register(DatagramChannel ch, EventLoop eventLoop) {
        NioEventLoop nio = (NioEventLoop) eventLoop;
        this.channel = ch;
        this.loop = nio;
        nio.register(ch, SelectionKey.OP_READ, this);
    }

    final EventLoop eventLoop() {
        return loop;
    }

    /** The bound local address, or null before the socket is bound or after it closed. */
    final InetSocketAddress localAddress() {
        DatagramChannel c = channel;
        try {
            return c == null ? null : (InetSocketAddress) c.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    final boolean isOpen() {
        DatagramChannel c = channel;
        return c != null && c.isOpen();
    }

    /** Handles one datagram from {@code sender}; owns {@code data} (the loop's buffer, retained for it). */
    abstract void onDatagram(ByteBuf data, InetSocketAddress sender);

    /** Reads up to {@link #DATAGRAMS_PER_READ} datagrams. Never throws: the loop would close the socket. */
    @Override
    public void channelReady(DatagramChannel ch, SelectionKey key) {
        for (int i = 0; i < DATAGRAMS_PER_READ; i++) {
            if (!readOne(ch)) {
                return;
            }
        }
    }

    /** Reads and handles one datagram; false when none was waiting or the socket failed. Never throws. */
    private boolean readOne(DatagramChannel ch) {
        ByteBuf buffer = RECEIVE.get();
        ByteBuffer target = buffer.internalNioBuffer(HEADROOM, RelayPortAllocator.MAX_DATAGRAM);
        InetSocketAddress sender;
        try {
            sender = (InetSocketAddress) ch.receive(target);
        } catch (ClosedChannelException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            // a read error on a datagram socket concerns one datagram; the socket keeps going
            metrics.malformed(label);
            return false;
        }
        if (sender == null) {
            return false;
        }
        int length = target.position() - HEADROOM;
        if (length >= RelayPortAllocator.MAX_DATAGRAM) {
            // it filled the buffer, so it may have been cut short
            metrics.malformed(label);
            return true;
        }
        buffer.setIndex(HEADROOM, HEADROOM + length);
        buffer.retain();
        try {
            onDatagram(buffer, sender);
        } catch (RuntimeException e) {
            metrics.malformed(label);
            LOG.debugf(e, "datagram from %s not handled", sender);
        } catch (Error e) {
            // e.g. out of (direct) memory: this datagram is lost, the socket must not be; not bad input, so logged
            LOG.errorf(e, "datagram from %s not handled", sender);
        } finally {
            int holders = buffer.refCnt();
            if (holders != 1) {
                // kept by its handler (or not released after a failure, or released once too often): leave it to
                // whoever holds it, take a new one
                if (holders > 1) {
                    buffer.release();
                }
                RECEIVE.remove();
            }
        }
        return true;
    }

    /**
     * Sends the readable bytes of {@code datagram} to {@code target} now and releases it. Returns null when it went
     * out, else why not: the socket's buffer was full, the socket is closed, or the kernel refused the send. Nothing
     * is counted here: answers are not relayed data ({@link #sendData} counts).
     */
    final TurnMetrics.DropReason send(ByteBuf datagram, InetSocketAddress target) {
        DatagramChannel c = channel;
        try {
            int length = datagram.readableBytes();
            ByteBuffer bytes = datagram.nioBufferCount() == 1
                    ? datagram.internalNioBuffer(datagram.readerIndex(), length) : datagram.nioBuffer();
            if (c.send(bytes, target) == 0 && length > 0) {
                return TurnMetrics.DropReason.QUEUE_FULL;
            }
            return null;
        } catch (ClosedChannelException e) {
            return TurnMetrics.DropReason.NO_ALLOCATION;
        } catch (IOException | RuntimeException e) {
            // e.g. EPERM from a firewall or an unreachable network: this datagram only
            LOG.debugf("send to %s failed: %s", target, e);
            return TurnMetrics.DropReason.SEND_FAILED;
        } finally {
            datagram.release();
        }
    }

    /**
     * Sends relayed data like {@link #send} and counts a drop; true when it went out. The relay paths' send, both
     * towards peers and towards UDP clients.
     */
    final boolean sendData(ByteBuf data, InetSocketAddress target) {
        TurnMetrics.DropReason dropped = send(data, target);
        if (dropped != null) {
            metrics.dropped(dropped);
        }
        return dropped == null;
    }

    /** Closes the socket on its loop; the selector lets go of its descriptor before the loop next waits. */
    public void close() {
        DatagramChannel c = channel;
        NioEventLoop l = loop;
        if (c == null) {
            return;
        }
        if (l == null || l.inEventLoop()) {
            closeQuietly(c);
            return;
        }
        try {
            l.execute(() -> closeQuietly(c));
        } catch (RejectedExecutionException e) {
            closeQuietly(c);
        }
    }

    /**
     * A non-blocking datagram socket for {@code bind} with the given buffer sizes, not yet bound. A specific IPv4
     * address gets an IPv4 socket, so that no address is converted to and from its IPv4-mapped IPv6 form on each
     * datagram (the JDK's default socket is IPv6 with IPv4 mapped into it). The wildcard 0.0.0.0 keeps the default
     * socket, which the JDK binds as {@code ::}: dual-stack where the host has IPv6, serving IPv6 clients too, as
     * Netty's epoll sockets did before. Closed again if it cannot be set up.
     */
    static DatagramChannel openFor(InetAddress bind, int receiveBuffer, int sendBuffer) throws IOException {
        DatagramChannel ch = bind instanceof Inet4Address && !bind.isAnyLocalAddress()
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBuffer);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
        return ch;
    }

    static void closeQuietly(DatagramChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debugf("closing a UDP socket: %s", e);
        }
    }

    /**
     * The loop let go of the socket while it was open (its key was cancelled while it read, a selector rebuild
     * failed, or the loop shut down), or after a close during its read. It is closed in every case; an open socket
     * going is logged.
     */
    @Override
    public void channelUnregistered(DatagramChannel ch, Throwable cause) {
        if (cause != null || ch.isOpen()) {
            LOG.warnf(cause, "UDP socket %s left its event loop and is closed", localAddress());
        }
        closeQuietly(ch);
    }
}
