package io.icemesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAreDistinctBelowTheEphemeralRangeAndBindableForTcpAndUdp() throws Exception {
        int[] ports = FreePorts.tcpAndUdp(3);
        assertEquals(3, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int port : ports) {
            assertTrue(port >= FreePorts.LOWEST && port < FreePorts.ephemeralLow(), "port " + port);
            try (ServerSocket tcp = new ServerSocket(port, 1, loopback);
                 DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                assertEquals(port, tcp.getLocalPort());
                assertEquals(port, udp.getLocalPort());
            }
        }
    }

    @Test
    void aPortTakenForUdpOnlyOrTcpOnlyIsNotFree() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port = FreePorts.tcpAndUdp();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
            assertFalse(FreePorts.free(port), "UDP taken");
        }
        try (ServerSocket tcp = new ServerSocket(port, 1, loopback)) {
            assertFalse(FreePorts.free(port), "TCP taken");
            assertNotEquals(port, FreePorts.tcpAndUdp());
        }
        assertTrue(FreePorts.free(port));
    }
}
