package io.icemesh.media.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class IceHarvestersTest {

    /**
     * The shared UDP socket gets the configured receive buffer (icemesh.media.ice.receive-buffer-bytes); 0 leaves
     * the OS default.
     */
    @Test
    void theSharedSocketGetsTheConfiguredReceiveBuffer() throws Exception {
        PeerNetworks loopback = PeerNetworks.parse(List.of("127.0.0.0/8"));
        int byDefault;
        try (IceHarvesters h = IceHarvesters.bind("127.0.0.1", 0, loopback, 0)) {
            byDefault = receiveBuffer(h);
        }
        // the kernel caps a request at net.core.rmem_max (Linux reports it doubled, the JDK halves that again)
        int rmemMax = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/rmem_max")).get(0).trim());
        int expected = Math.min(150_000, rmemMax);
        try (IceHarvesters h = IceHarvesters.bind("127.0.0.1", 0, loopback, 150_000)) {
            assertEquals(expected, receiveBuffer(h));
        }
        assertNotEquals(expected, byDefault);
    }

    private static int receiveBuffer(IceHarvesters h) throws Exception {
        return PolicedUdpHarvester.receiveSocket(h.harvesters().get(0)).getReceiveBufferSize();
    }
}
