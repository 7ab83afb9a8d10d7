package io.icemesh.media.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.media.dtls.DtlsCertificate;
import io.icemesh.media.endpoint.Endpoint;
import io.icemesh.media.endpoint.EndpointObserver;
import io.icemesh.media.endpoint.NodeContext;
import io.icemesh.media.ice.IceHarvesters;
import io.icemesh.media.ice.PeerNetworks;
import io.icemesh.media.srtp.SrtpProfile;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoomsWarmUpTest {

    private static final NodeContext.PacketSink NO_PACKETS = new NodeContext.PacketSink() {
        @Override
        public void rtp(Endpoint from, byte[] buf, int offset, int length) {
        }

        @Override
        public void rtcp(Endpoint from, byte[] buf, int offset, int length) {
        }

        @Override
        public void dropped(Endpoint from, String reason) {
        }
    };

    @Test
    void roundsOfAllocateOfferAnswerAndEndCompleteAndTellTheNodeNothing() throws Exception {
        AtomicInteger told = new AtomicInteger();
        EndpointObserver observer = new EndpointObserver() {
            @Override
            public void iceConnected(Endpoint e, String localType, String remoteType, long elapsedNanos) {
                told.incrementAndGet();
            }

            @Override
            public void iceRestarted(Endpoint e, String localType, String remoteType) {
                told.incrementAndGet();
            }

            @Override
            public void dtlsConnected(Endpoint e, SrtpProfile profile, long elapsedNanos) {
                told.incrementAndGet();
            }

            @Override
            public void transportFailed(Endpoint e, String reason) {
                told.incrementAndGet();
            }

            @Override
            public void firstRtpIn(Endpoint e) {
                told.incrementAndGet();
            }

            @Override
            public void firstRtpOut(Endpoint e) {
                told.incrementAndGet();
            }
        };
        IceHarvesters harvesters = IceHarvesters.bind("127.0.0.1", 0, PeerNetworks.parse(List.of("127.0.0.0/8")));
        try {
            NodeContext node = new NodeContext(harvesters, DtlsCertificate.generate("node"),
                    List.of("1 1 udp 2130706431 127.0.0.1 " + harvesters.port() + " typ host"),
                    List.of(SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES_CM_128_HMAC_SHA1_80), Duration.ofSeconds(5),
                    64, NO_PACKETS, observer);
            RoomsWarmUp.Result r = RoomsWarmUp.run(node, 5, Duration.ofSeconds(60));
            assertNull(r.failure(), "every round went through: " + r);
            assertEquals(5, r.rounds());
            assertTrue(r.sfuOffersAnswered() >= 5, "the SFU offered each round's first endpoint the second one's"
                    + " tracks, and the answer was applied: " + r);
            assertEquals(0, told.get(), "the node's own observer heard nothing of the warm-up's endpoints");
        } finally {
            harvesters.close();
        }
    }

    @Test
    void stopsWhenItsBudgetIsSpent() throws Exception {
        IceHarvesters harvesters = IceHarvesters.bind("127.0.0.1", 0, PeerNetworks.parse(List.of("127.0.0.0/8")));
        try {
            NodeContext node = new NodeContext(harvesters, DtlsCertificate.generate("node"), List.of(),
                    List.of(SrtpProfile.AEAD_AES_128_GCM), Duration.ofSeconds(5), 64, NO_PACKETS, null);
            assertEquals(0, RoomsWarmUp.run(node, 100, Duration.ZERO).rounds());
        } finally {
            harvesters.close();
        }
    }
}
