package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FileDescriptorBudgetTest {

    @Test
    void streamsGetAQuarterOfWhatIsLeftAfterTheReservePeersAnEighthAndRelaysTheRest() {
        FileDescriptorBudget b = FileDescriptorBudget.of(20_000, 0, 10_000);
        assertEquals((20_000 - FileDescriptorBudget.RESERVED) / 4, b.streamConnections());
        assertEquals(b.streamConnections() / 2, b.peerConnections());
        assertEquals(10_000, b.relaySockets(), "the configured allocation cap fits");
    }

    @Test
    void aSmallLimitLowersTheAllocationCapSoThatStreamsAndRelaysTogetherFit() {
        FileDescriptorBudget b = FileDescriptorBudget.of(1_024, 0, 10_000);
        assertEquals(192, b.streamConnections());
        assertEquals(96, b.peerConnections());
        assertEquals(1_024 - FileDescriptorBudget.RESERVED - 192 - 96, b.relaySockets());
        assertTrue(b.streamConnections() + b.peerConnections() + b.relaySockets() + FileDescriptorBudget.RESERVED
                <= 1_024);
    }

    @Test
    void aConfiguredStreamCapIsKeptUnlessItWouldTakeMoreThanHalf() {
        assertEquals(300, FileDescriptorBudget.of(20_000, 300, 10_000).streamConnections());
        assertEquals((1_024 - FileDescriptorBudget.RESERVED) / 2,
                FileDescriptorBudget.of(1_024, 100_000, 10_000).streamConnections());
    }

    @Test
    void anUnknownLimitKeepsTheConfiguredValues() {
        FileDescriptorBudget b = FileDescriptorBudget.of(-1, 300, 5_000);
        assertEquals(300, b.streamConnections());
        assertEquals(5_000, b.relaySockets());
    }
}
