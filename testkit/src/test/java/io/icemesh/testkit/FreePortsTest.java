package io.icemesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void portsAreDistinctOutsideTheEphemeralRangeAndBindableForTcpAndUdp() throws Exception {
        int[] ports = FreePorts.tcpAndUdp(3);
        assertEquals(3, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        for (int port : ports) {
            assertTrue(port < FreePorts.ephemeralLow() || port > FreePorts.ephemeralHigh(), "port " + port);
            try (ServerSocket tcp = new ServerSocket(port, 1, LOOPBACK);
                 DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
                assertEquals(port, tcp.getLocalPort());
                assertEquals(port, udp.getLocalPort());
            }
        }
    }

    @Test
    void aPortIsNeverHandedOutTwiceInOneJvm() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertTrue(seen.add(FreePorts.tcpAndUdp()), "handed out twice: " + seen);
        }
    }

    @Test
    void aBlocksPortsAreFreeAndOutsideTheEphemeralRange() throws Exception {
        int base = FreePorts.block(3, 100);
        for (int k = 0; k < 3; k++) {
            assertTrue(FreePorts.free(base + 100 * k), "port " + (base + 100 * k));
        }
        assertTrue(base + 200 < FreePorts.ephemeralLow() || base > FreePorts.ephemeralHigh(), "base " + base);
    }

    @Test
    void aPortTakenForUdpOnlyOrTcpOnlyIsNotFree() throws Exception {
        int port = FreePorts.tcpAndUdp();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            assertFalse(FreePorts.free(port), "UDP taken");
        }
        try (ServerSocket tcp = new ServerSocket(port, 1, LOOPBACK)) {
            assertFalse(FreePorts.free(port), "TCP taken");
        }
        assertTrue(FreePorts.free(port));
    }

    @Test
    void theBandLiesBelowTheEphemeralRangeWithRoomForTheHeadroom() {
        int[] band = FreePorts.band(400);
        assertTrue(band[1] - band[0] >= 1_000, Arrays.toString(band));
        assertTrue(band[1] + 400 <= FreePorts.ephemeralLow() || band[0] > FreePorts.ephemeralHigh(),
                Arrays.toString(band));
    }
}
