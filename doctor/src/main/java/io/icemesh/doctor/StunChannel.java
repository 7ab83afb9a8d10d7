package io.icemesh.doctor;

import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageDecoder;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * A client's path to one STUN/TURN server: a connected UDP socket, or a TCP or TLS stream of STUN frames (RFC 8489
 * section 6.2.2). Receiving returns the next whole STUN message or null when the deadline passes; anything that is not
 * STUN (a ChannelData frame, noise) is skipped.
 */
abstract class StunChannel implements AutoCloseable {

    private static final int MAX_DATAGRAM = 65_535;

    /** Sends one STUN message. */
    abstract void send(byte[] message) throws IOException;

    /** The next STUN message received before {@code deadlineNanos} ({@link System#nanoTime()}), or null. */
    abstract StunMessage receive(long deadlineNanos) throws IOException;

    /** True for TCP and TLS: requests are sent once and never retransmitted (RFC 8489 section 6.2.2). */
    abstract boolean reliable();

    /** UDP: the host answered ICMP port unreachable (nothing listens there); receiving then returns null at once. */
    boolean refused() {
        return false;
    }

    @Override
    public abstract void close();

    static StunChannel udp(InetSocketAddress server) throws IOException {
        return new Udp(server);
    }

    static StunChannel stream(Socket socket) throws IOException {
        return new Stream(socket);
    }

    private static final class Udp extends StunChannel {
        private final DatagramSocket socket;
        private final byte[] buffer = new byte[MAX_DATAGRAM];

        Udp(InetSocketAddress server) throws IOException {
            socket = new DatagramSocket();
            socket.connect(server);
        }

        private boolean refused;

        @Override
        void send(byte[] message) throws IOException {
            try {
                socket.send(new DatagramPacket(message, message.length));
            } catch (PortUnreachableException e) {
                refused = true;
            }
        }

        @Override
        boolean refused() {
            return refused;
        }

        @Override
        StunMessage receive(long deadlineNanos) throws IOException {
            while (!refused) {
                long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                } catch (PortUnreachableException e) {
                    // the connected socket reports the host's ICMP port unreachable for an earlier datagram
                    refused = true;
                    return null;
                }
                StunMessage m = StunMessageDecoder.decode(Arrays.copyOf(p.getData(), p.getLength()));
                if (m != null) {
                    return m;
                }
            }
            return null;
        }

        @Override
        boolean reliable() {
            return false;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static final class Stream extends StunChannel {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        Stream(Socket socket) throws IOException {
            this.socket = socket;
            InputStream raw = socket.getInputStream();
            this.in = new DataInputStream(raw);
            this.out = socket.getOutputStream();
        }

        @Override
        void send(byte[] message) throws IOException {
            out.write(message);
            out.flush();
        }

        @Override
        StunMessage receive(long deadlineNanos) throws IOException {
            while (true) {
                long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                byte[] head = new byte[4];
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    return null;
                }
                if (first < 0) {
                    throw new IOException("the server closed the connection");
                }
                head[0] = (byte) first;
                try {
                    in.readFully(head, 1, 3);
                } catch (SocketTimeoutException e) {
                    throw new IOException("the server stopped in the middle of a frame header");
                } catch (EOFException e) {
                    throw new IOException("the server closed the connection");
                }
                int length = ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
                boolean stun = (head[0] & 0xC0) == 0;
                // A STUN frame is a 20-octet header plus its length; ChannelData is 4 plus its length padded to 4.
                int rest = stun ? StunMessage.HEADER_LENGTH - 4 + length : (length + 3) & ~3;
                byte[] frame = new byte[4 + rest];
                System.arraycopy(head, 0, frame, 0, 4);
                // The deadline covers the whole frame: a server that stops mid-frame is a timeout, not a hang.
                socket.setSoTimeout((int) Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000));
                try {
                    in.readFully(frame, 4, rest);
                } catch (SocketTimeoutException e) {
                    // part of a frame is consumed: the stream cannot be read in step any more
                    throw new IOException("the server stopped in the middle of a " + (4 + rest) + "-octet frame");
                }
                if (stun) {
                    StunMessage m = StunMessageDecoder.decode(frame);
                    if (m != null) {
                        return m;
                    }
                }
            }
        }

        @Override
        boolean reliable() {
            return true;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }
}
