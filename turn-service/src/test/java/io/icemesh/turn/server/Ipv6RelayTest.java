package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.icemesh.broker.KafkaBrokerResource;
import io.icemesh.turn.interop.LoopbackPeersProfile;
import io.icemesh.stun.ChannelData;
import io.icemesh.stun.ErrorCodeAttribute;
import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * An IPv6 relay (REQUESTED-ADDRESS-FAMILY, relay on ::1) carrying Send/Data indications and ChannelData to a peer
 * socket on ::1, with our own client; and the family checks around it.
 */
@QuarkusTest
@TestProfile(LoopbackPeersProfile.class)
@WithTestResource(KafkaBrokerResource.class)
class Ipv6RelayTest {

    private static final byte[] FAMILY_IPV6 = {XorAddress.FAMILY_IPV6, 0, 0, 0};

    @Inject
    TurnServer server;

    @Test
    void relaysBothWaysOverAnIpv6Allocation() throws Exception {
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), "alice", "alice-password");
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            peer.setSoTimeout(3000);
            c.challenge();
            StunMessage allocated = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)
                            .add(StunAttributeType.REQUESTED_ADDRESS_FAMILY, FAMILY_IPV6));
            assertEquals(-1, ErrorCodeAttribute.codeOf(allocated), "IPv6 allocate");
            InetSocketAddress relay = XorAddress.decode(allocated, StunAttributeType.XOR_RELAYED_ADDRESS);
            assertEquals(InetAddress.getByName("::1"), relay.getAddress());
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
            assertEquals(443, ErrorCodeAttribute.codeOf(c.createPermission(new InetSocketAddress("127.0.0.1", 9))),
                    "an IPv4 peer on an IPv6 relay");
            assertEquals(-1, ErrorCodeAttribute.codeOf(c.createPermission(peerAddress)));

            byte[] hello = "over ipv6".getBytes(StandardCharsets.UTF_8);
            c.sendRaw(StunMessageBuilder.of(StunMessageType.SEND_INDICATION, TurnTestClient.newTransactionId())
                    .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, peerAddress)
                    .add(StunAttributeType.DATA, hello).build());
            DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
            peer.receive(got);
            assertArrayEquals(hello, Arrays.copyOf(got.getData(), got.getLength()), "Send indication reached the peer");
            assertEquals(relay, got.getSocketAddress(), "from the relayed address");

            byte[] reply = "back".getBytes(StandardCharsets.UTF_8);
            peer.send(new DatagramPacket(reply, reply.length, relay));
            StunMessage data = c.receive();
            assertNotNull(data, "Data indication");
            assertEquals(StunMessageType.DATA_INDICATION, data.type());
            assertEquals(peerAddress, XorAddress.decode(data, StunAttributeType.XOR_PEER_ADDRESS));
            assertArrayEquals(reply, data.value(StunAttributeType.DATA));

            assertEquals(-1, ErrorCodeAttribute.codeOf(c.channelBind(0x4001, peerAddress)));
            c.sendRaw(ChannelData.encode(0x4001, hello, false));
            peer.receive(got);
            assertArrayEquals(hello, Arrays.copyOf(got.getData(), got.getLength()), "ChannelData reached the peer");
            peer.send(new DatagramPacket(reply, reply.length, relay));
            byte[] channelData = c.receiveRaw();
            assertNotNull(channelData);
            assertEquals(0x4001, ((channelData[0] & 0xFF) << 8) | (channelData[1] & 0xFF));
            assertArrayEquals(reply, Arrays.copyOfRange(channelData, 4, 4 + reply.length));
            assertEquals(-1, ErrorCodeAttribute.codeOf(c.refresh(0)));
        }
    }

    @Test
    void unknownFamilyGets440AndDualAllocationGets400() throws Exception {
        try (TurnTestClient c = new TurnTestClient(server.udpPort(), "alice", "alice-password")) {
            c.challenge();
            StunMessage unknown = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)
                            .add(StunAttributeType.REQUESTED_ADDRESS_FAMILY, new byte[] {9, 0, 0, 0}));
            assertEquals(440, ErrorCodeAttribute.codeOf(unknown));
            StunMessage dual = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 17L << 24)
                            .add(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY, FAMILY_IPV6));
            assertEquals(400, ErrorCodeAttribute.codeOf(dual));
            StunMessage tcp = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 6L << 24));
            assertEquals(400, ErrorCodeAttribute.codeOf(tcp), "a TCP relay (RFC 6062) is asked for over TCP or TLS");
            StunMessage other = c.signedTransact(StunMessageType.METHOD_ALLOCATE,
                    b -> b.addUint32(StunAttributeType.REQUESTED_TRANSPORT, 132L << 24));
            assertEquals(442, ErrorCodeAttribute.codeOf(other), "SCTP relays are not offered");
        }
    }
}
