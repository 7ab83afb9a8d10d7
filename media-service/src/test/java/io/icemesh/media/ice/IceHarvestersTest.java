package io.icemesh.media.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class IceHarvestersTest {

    /**
     * The shared UDP socket gets the configured receive buffer (icemesh.media.ice.receive-buffer-bytes); 0 leaves
     * the OS default. A size below any Linux net.core.rmem_max.
     */
    @Test
    void theSharedSocketGetsTheConfiguredReceiveBuffer() throws Exception {
        PeerNetworks loopback = PeerNetworks.parse(List.of("127.0.0.0/8"));
        int byDefault;
        try (IceHarvesters h = IceHarvesters.bind("127.0.0.1", 0, loopback, 0)) {
            byDefault = receiveBuffer(h);
        }
        try (IceHarvesters h = IceHarvesters.bind("127.0.0.1", 0, loopback, 150_000)) {
            assertEquals(150_000, receiveBuffer(h));
        }
        assertNotEquals(150_000, byDefault);
    }

    private static int receiveBuffer(IceHarvesters h) throws Exception {
        return PolicedUdpHarvester.receiveSocket(h.harvesters().get(0)).getReceiveBufferSize();
    }
}
