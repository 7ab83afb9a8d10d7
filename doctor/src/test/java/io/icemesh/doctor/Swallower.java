package io.icemesh.doctor;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A loopback UDP port that reads every datagram and answers none: a STUN server that never answers. */
final class Swallower implements AutoCloseable {

    private final DatagramSocket socket;
    final AtomicInteger received = new AtomicInteger();

    Swallower() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                try {
                    socket.receive(new DatagramPacket(buf, buf.length));
                    received.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "swallower");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        socket.close();
    }
}
