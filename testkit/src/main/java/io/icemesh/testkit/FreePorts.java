package io.icemesh.testkit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Ports for servers a test starts itself (coturn, Janus, a mesh through {@code ./icemesh up}), which bind them some
 * time after the test chose them: free on 127.0.0.1 for both TCP and UDP when chosen, outside the kernel's ephemeral
 * range, and never handed out twice in one JVM. A port the kernel hands out for port 0 comes from the ephemeral range,
 * where any outgoing connection or unbound UDP socket on the machine (a Kafka client, a Chromium page) can take it
 * between the check and the server's bind: the server then fails with "Address already in use". Outside that range
 * only an explicit bind can.
 */
public final class FreePorts {

    /** The lowest port chosen: above the ports other programs commonly configure. */
    static final int LOWEST = 10_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int ATTEMPTS = 1_000;
    /** Every port handed out in this JVM (a chosen port is not bound until its server starts). */
    private static final Set<Integer> CLAIMED = new HashSet<>();
    private static final Random RANDOM = new Random();

    private FreePorts() {
    }

    /** {@code count} different ports, each free for TCP and UDP on 127.0.0.1, outside the ephemeral range. */
    public static synchronized int[] tcpAndUdp(int count) {
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = block(1, 0);
        }
        return ports;
    }

    /** One port, free for TCP and UDP on 127.0.0.1, outside the ephemeral range. */
    public static int tcpAndUdp() {
        return tcpAndUdp(1)[0];
    }

    /**
     * A base port such that {@code base + step * k} for {@code k < ports} are all free for TCP and UDP on 127.0.0.1,
     * outside the ephemeral range and not handed out before; all of them are claimed.
     */
    public static synchronized int block(int ports, int step) {
        int[] band = band(step * (ports - 1));
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int base = band[0] + RANDOM.nextInt(band[1] - band[0]);
            boolean free = true;
            for (int k = 0; k < ports && free; k++) {
                free = !CLAIMED.contains(base + step * k) && free(base + step * k);
            }
            if (free) {
                for (int k = 0; k < ports; k++) {
                    CLAIMED.add(base + step * k);
                }
                return base;
            }
        }
        throw new IllegalStateException("no free ports in " + band[0] + "-" + (band[1] - 1));
    }

    /**
     * The ports to choose from, {low, high} with high exclusive, leaving {@code headroom} ports free above high:
     * below the ephemeral range, or above it when it starts too low (some containers).
     */
    static int[] band(int headroom) {
        int low = LOWEST;
        int high = ephemeralLow() - headroom;
        if (high - low < 1_000) {
            low = ephemeralHigh() + 1;
            high = 65_536 - headroom;
            if (high - low < 1_000) {
                throw new IllegalStateException("no room for test ports outside the ephemeral range "
                        + ephemeralLow() + "-" + ephemeralHigh() + " (net.ipv4.ip_local_port_range)");
            }
        }
        return new int[] {low, high};
    }

    /** The first port of the kernel's ephemeral range; 32768 (Linux's default) when it cannot be read. */
    public static int ephemeralLow() {
        return ephemeralRange(0, 32768);
    }

    /** The last port of the kernel's ephemeral range; 60999 (Linux's default) when it cannot be read. */
    public static int ephemeralHigh() {
        return ephemeralRange(1, 60999);
    }

    private static int ephemeralRange(int field, int fallback) {
        try {
            // read line by line: Files.readString trusts the size /proc reports (0) and returns one byte
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[field]);
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    /** Whether {@code port} can be bound on 127.0.0.1 for both TCP and UDP now. */
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
