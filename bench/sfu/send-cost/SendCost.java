import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The same as send_cost.c through the JDK's DatagramSocket, which ice4j (and so media-service) sends with: CPU per
 * datagram of DatagramSocket.send, one per subscriber, on loopback. The first quarter of the rounds warms the JIT
 * and is not counted.
 *
 *   java bench/sfu/send-cost/SendCost.java ROUNDS
 */
public final class SendCost {
    public static void main(String[] args) throws Exception {
        int sockets = 200;
        int rounds = Integer.parseInt(args[0]);
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        s.setSendBufferSize(1 << 22);
        DatagramChannel[] r = new DatagramChannel[sockets];
        InetSocketAddress[] to = new InetSocketAddress[sockets];
        for (int i = 0; i < sockets; i++) {
            r[i] = DatagramChannel.open();
            r[i].setOption(StandardSocketOptions.SO_RCVBUF, 1 << 22);
            r[i].bind(new InetSocketAddress("127.0.0.1", 0));
            r[i].configureBlocking(false);
            to[i] = (InetSocketAddress) r[i].getLocalAddress();
        }
        DatagramPacket p = new DatagramPacket(new byte[1200], 1200);
        ByteBuffer drain = ByteBuffer.allocateDirect(2048);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long spent = 0;
        long sent = 0;
        for (int k = 0; k < rounds; k++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < sockets; i++) {
                p.setSocketAddress(to[i]);
                s.send(p);
            }
            if (k >= rounds / 4) {
                spent += mx.getCurrentThreadCpuTime() - c0;
                sent += sockets;
            }
            for (int i = 0; i < sockets; i++) {
                drain.clear();
                if (r[i].receive(drain) == null) {
                    throw new IllegalStateException("receiver " + i + " got nothing");
                }
            }
        }
        System.out.printf("DatagramSocket.send: %.3f us CPU per datagram (%d datagrams)%n", spent / 1e3 / sent, sent);
    }
}
