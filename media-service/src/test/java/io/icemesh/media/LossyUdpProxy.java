package io.icemesh.media;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on loopback between one client (a Chromium page) and the SFU's port, which drops a share of the RTP
 * packets it relays toward the client (never STUN, DTLS or RTCP, so the session comes up and stays up). The client sends
 * to {@link #clientPort()}; the SFU sees the relay's other socket as the client's address (peer-reflexive).
 */
final class LossyUdpProxy implements AutoCloseable {

    private final DatagramSocket clientSide;
    private final DatagramSocket sfuSide;
    private final InetSocketAddress sfu;
    private final double dropShare;
    private final SplittableRandom random;
    private volatile SocketAddress client;
    private volatile boolean dropConsentResponses;
    private final AtomicLong consentResponsesDropped = new AtomicLong();
    private final AtomicLong rtpToClient = new AtomicLong();
    private final AtomicLong rtpDropped = new AtomicLong();
    private final Thread up;
    private final Thread down;

    LossyUdpProxy(InetSocketAddress sfu, double dropShare, long seed) throws IOException {
        this.sfu = sfu;
        this.dropShare = dropShare;
        this.random = new SplittableRandom(seed);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        clientSide = new DatagramSocket(new InetSocketAddress(loopback, 0));
        sfuSide = new DatagramSocket(new InetSocketAddress(loopback, 0));
        up = new Thread(this::clientToSfu, "lossy-proxy-up");
        down = new Thread(this::sfuToClient, "lossy-proxy-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
    }

    /** The port the client must send to. */
    int clientPort() {
        return clientSide.getLocalPort();
    }

    /**
     * From now on, drop the client's STUN Binding success responses toward the SFU (the answers to its consent
     * checks), while everything else still flows: a client that keeps sending but no longer consents.
     */
    void dropConsentResponses() {
        dropConsentResponses = true;
    }

    long consentResponsesDropped() {
        return consentResponsesDropped.get();
    }

    long rtpToClient() {
        return rtpToClient.get();
    }

    long rtpDropped() {
        return rtpDropped.get();
    }

    private void clientToSfu() {
        byte[] b = new byte[2048];
        DatagramPacket p = new DatagramPacket(b, b.length);
        while (!clientSide.isClosed()) {
            try {
                p.setLength(b.length);
                clientSide.receive(p);
                client = p.getSocketAddress();
                if (dropConsentResponses && p.getLength() >= 20 && b[0] == 0x01 && b[1] == 0x01) {
                    consentResponsesDropped.incrementAndGet();
                    continue;
                }
                sfuSide.send(new DatagramPacket(b, p.getLength(), sfu));
            } catch (IOException e) {
                // closed, or a transient send error: UDP may lose packets anyway
            }
        }
    }

    private void sfuToClient() {
        byte[] b = new byte[2048];
        DatagramPacket p = new DatagramPacket(b, b.length);
        while (!sfuSide.isClosed()) {
            try {
                p.setLength(b.length);
                sfuSide.receive(p);
                SocketAddress to = client;
                if (to == null) {
                    continue;
                }
                if (isRtp(b, p.getLength())) {
                    rtpToClient.incrementAndGet();
                    if (random.nextDouble() < dropShare) {
                        rtpDropped.incrementAndGet();
                        continue;
                    }
                }
                clientSide.send(new DatagramPacket(b, p.getLength(), to));
            } catch (IOException e) {
                // closed, or a transient send error
            }
        }
    }

    /** RTP, not RTCP: first byte 128-191 (RFC 7983) and a payload type outside RTCP's 192-223 (RFC 5761). */
    static boolean isRtp(byte[] b, int length) {
        if (length < 12) {
            return false;
        }
        int first = b[0] & 0xFF;
        int second = b[1] & 0xFF;
        return first >= 128 && first <= 191 && (second < 192 || second > 223);
    }

    @Override
    public void close() throws InterruptedException {
        clientSide.close();
        sfuSide.close();
        up.join(2_000);
        down.join(2_000);
    }
}
