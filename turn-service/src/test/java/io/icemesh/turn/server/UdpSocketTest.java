package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.turn.metrics.TurnMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The UDP socket under the listeners and relays: the loop's one receive buffer is never overwritten while a handler
 * still holds it, a handler that fails or over-releases costs one datagram and not the socket, and sends go out
 * whole from the buffer's readable bytes (the in-place ChannelData header included). Loopback only.
 */
class UdpSocketTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TurnMetrics metrics = new TurnMetrics(registry, () -> 0);
    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    private NioEventLoopGroup group;
    private DatagramSocket client;

    @BeforeEach
    void start() throws Exception {
        group = new NioEventLoopGroup(1);
        client = new DatagramSocket(new InetSocketAddress(loopback, 0));
        client.setSoTimeout(5000);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private UdpSocket open(BiConsumer<ByteBuf, InetSocketAddress> handler) throws Exception {
        UdpSocket socket = new UdpSocket(metrics, "relay") {
            @Override
            void onDatagram(ByteBuf data, InetSocketAddress sender) {
                handler.accept(data, sender);
            }
        };
        DatagramChannel ch = DatagramChannel.open();
        ch.configureBlocking(false);
        ch.bind(new InetSocketAddress(loopback, 0));
        EventLoop loop = group.next();
        socket.register(ch, loop);
        return socket;
    }

    private void sendTo(UdpSocket socket, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(bytes, bytes.length, socket.localAddress()));
    }

    private double malformed() {
        return registry.get("icemesh.turn.packets.malformed").tag("transport", "relay").counter().count();
    }

    @Test
    void aBufferAHandlerKeepsIsNotOverwrittenByTheNextDatagram() throws Exception {
        List<ByteBuf> kept = new CopyOnWriteArrayList<>();
        UdpSocket socket = open((data, sender) -> kept.add(data));
        for (int i = 0; i < 5; i++) {
            sendTo(socket, "datagram-" + i);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> kept.size() == 5);
        java.util.Set<ByteBuf> buffers = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        buffers.addAll(kept);
        assertEquals(5, buffers.size(), "each kept datagram has a buffer of its own");
        for (int i = 0; i < 5; i++) {
            ByteBuf b = kept.get(i);
            assertEquals("datagram-" + i, b.toString(StandardCharsets.US_ASCII), "datagram " + i + " as received");
            assertEquals(1, b.refCnt(), "the socket let go of a buffer its handler kept");
            b.release();
        }
        socket.close();
    }

    @Test
    void aFailingOrOverReleasingHandlerCostsOneDatagramNotTheSocket() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        UdpSocket socket = open((data, sender) -> {
            String text = data.toString(StandardCharsets.US_ASCII);
            data.release();
            if (text.equals("throw")) {
                throw new IllegalStateException("a handler's bug");
            }
            if (text.equals("release twice")) {
                data.release();
            }
            handled.add(text);
        });
        sendTo(socket, "throw");
        sendTo(socket, "release twice");
        sendTo(socket, "after");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> handled.contains("after"));
        assertEquals(List.of("release twice", "after"), handled);
        assertEquals(1.0, malformed(), "the failed datagram is counted");
        assertTrue(socket.isOpen());
        socket.close();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !socket.isOpen());
    }

    @Test
    void anEchoWithTheHeaderWrittenInPlaceGoesOutWholeAndTheBufferIsReused() throws Exception {
        List<ByteBuf> seen = new CopyOnWriteArrayList<>();
        UdpSocket[] self = new UdpSocket[1];
        self[0] = open((data, sender) -> {
            seen.add(data);
            int start = data.readerIndex() - UdpSocket.HEADROOM;
            data.setBytes(start, "HDR:".getBytes(StandardCharsets.US_ASCII));
            data.readerIndex(start);
            assertNull(self[0].send(data, sender));
        });
        for (int i = 0; i < 3; i++) {
            sendTo(self[0], "payload-" + i);
            byte[] answer = new byte[100];
            DatagramPacket p = new DatagramPacket(answer, answer.length);
            client.receive(p);
            assertEquals("HDR:payload-" + i, new String(answer, 0, p.getLength(), StandardCharsets.US_ASCII));
        }
        assertTrue(seen.stream().allMatch(b -> b == seen.get(0)), "a buffer nobody keeps is the loop's for the next read");
        // the answer can arrive before the send returns on the loop and lets go of the buffer
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.get(0).refCnt() == 1);
        self[0].close();
    }

    @Test
    void aSpecificIpv4AddressGetsAnIpv4SocketAndTheWildcardServesIpv6Too() throws Exception {
        try (DatagramChannel v4 = UdpSocket.openFor(InetAddress.getByName("127.0.0.1"), 65536, 65536);
                DatagramChannel wildcard = UdpSocket.openFor(InetAddress.getByName("0.0.0.0"), 65536, 65536);
                DatagramChannel fromV6 = DatagramChannel.open()) {
            assertFalse(v4.isBlocking());
            v4.bind(new InetSocketAddress(loopback, 0));
            assertThrows(java.nio.channels.UnsupportedAddressTypeException.class,
                    () -> v4.send(java.nio.ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress("::1", 9)),
                    "an IPv4 socket, with no IPv6 behind it");
            wildcard.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = ((InetSocketAddress) wildcard.getLocalAddress()).getPort();
            // as with Netty's epoll sockets before: 0.0.0.0 is bound as ::, so an IPv6 client is answered too
            fromV6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            fromV6.send(java.nio.ByteBuffer.wrap(new byte[] {7}), new InetSocketAddress(InetAddress.getByName("::1"),
                    port));
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(8);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> wildcard.receive(in) != null);
            assertEquals(7, in.get(0));
        }
    }

    @Test
    void aSendOnAClosedSocketSaysWhyAndReleasesTheBuffer() throws Exception {
        UdpSocket socket = open((data, sender) -> data.release());
        socket.close();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !socket.isOpen());
        ByteBuf datagram = Unpooled.directBuffer(4).writeInt(7);
        assertEquals(TurnMetrics.DropReason.NO_ALLOCATION,
                socket.send(datagram, (InetSocketAddress) client.getLocalSocketAddress()));
        assertEquals(0, datagram.refCnt());
    }
}
