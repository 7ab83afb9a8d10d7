package io.icemesh.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts itself (coturn, say), which bind them some time after the test chose them: each
 * free on 127.0.0.1 for both TCP and UDP when chosen, and below the kernel's ephemeral range. A port the kernel hands
 * out for port 0 comes from that range, where any outgoing connection (a Kafka client's, say) can take it between
 * the check and the server's bind: coturn then fails with "Address already in use". Below the range, only another
 * explicit bind can.
 */
public final class FreePorts {

    /** The lowest port chosen: above the ports other programs commonly configure. */
    static final int LOWEST = 20000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int DEFAULT_EPHEMERAL_LOW = 32768;
    private static final int ATTEMPTS = 500;

    private FreePorts() {
    }

    /** {@code count} different ports, each free for TCP and UDP on 127.0.0.1 and below the ephemeral range. */
    public static int[] tcpAndUdp(int count) {
        int ceiling = ephemeralLow();
        if (ceiling - LOWEST < 1000) {
            throw new IllegalStateException("the ephemeral port range starts at " + ceiling
                    + ": no room below it for test servers (" + EPHEMERAL_RANGE + ")");
        }
        Set<Integer> chosen = new LinkedHashSet<>();
        for (int i = 0; i < ATTEMPTS && chosen.size() < count; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
            if (!chosen.contains(port) && free(port)) {
                chosen.add(port);
            }
        }
        if (chosen.size() < count) {
            throw new IllegalStateException("found only " + chosen.size() + " free ports of " + count + " in "
                    + LOWEST + "-" + (ceiling - 1));
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One port, free for TCP and UDP on 127.0.0.1 and below the ephemeral range. */
    public static int tcpAndUdp() {
        return tcpAndUdp(1)[0];
    }

    /** The first port of the kernel's ephemeral range (Linux's default where it cannot be read). */
    static int ephemeralLow() {
        try {
            // read as lines: procfs reports a size of 0, and Files.readString then returned only the first byte
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }

    static boolean free(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.setReuseAddress(false);
            tcp.bind(new InetSocketAddress(loopback, port), 1);
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                return true;
            }
        } catch (IOException taken) {
            return false;
        }
    }
}
