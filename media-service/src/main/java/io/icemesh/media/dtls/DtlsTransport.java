package io.icemesh.media.dtls;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.DatagramTransport;

/**
 * Connects bctls to the shared UDP port: records the ICE layer received for this endpoint are queued here by the
 * receive thread and read by the endpoint's DTLS thread; records bctls sends go out through the ICE component.
 */
final class DtlsTransport implements DatagramTransport {

    /** Largest UDP payload received: an Ethernet MTU is plenty for DTLS records of a WebRTC handshake. */
    static final int RECEIVE_LIMIT = 1500;
    /** Largest record sent: 1200 bytes stays under typical path MTUs with IP, UDP and TURN overhead (RFC 8489 section 7.1). */
    static final int SEND_LIMIT = 1200;
    /** Records queued before the DTLS thread reads them; a flood beyond it is dropped. */
    static final int QUEUE = 64;
    private static final byte[] CLOSED = new byte[0];

    private final BlockingQueue<byte[]> incoming = new ArrayBlockingQueue<>(QUEUE);
    private final DtlsSession.Sender sender;
    private volatile boolean closed;

    DtlsTransport(DtlsSession.Sender sender) {
        this.sender = sender;
    }

    /** Queues a received record (copied: the caller's buffer goes back to its pool). Returns false when dropped. */
    boolean offer(byte[] buf, int offset, int length) {
        if (closed || length > RECEIVE_LIMIT) {
            return false;
        }
        byte[] copy = new byte[length];
        System.arraycopy(buf, offset, copy, 0, length);
        return incoming.offer(copy);
    }

    @Override
    public int getReceiveLimit() {
        return RECEIVE_LIMIT;
    }

    @Override
    public int getSendLimit() {
        return SEND_LIMIT;
    }

    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        if (closed) {
            throw new IOException("DTLS transport closed");
        }
        byte[] record;
        try {
            record = incoming.poll(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (record == null) {
            return -1;
        }
        if (record == CLOSED) {
            throw new IOException("DTLS transport closed");
        }
        int n = Math.min(len, record.length);
        System.arraycopy(record, 0, buf, off, n);
        return n;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("DTLS transport closed");
        }
        sender.send(buf, off, len);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            incoming.clear();
            incoming.offer(CLOSED);
        }
    }
}
