package io.icemesh.doctor;

import io.icemesh.stun.StunAttributeType;
import io.icemesh.stun.StunMessage;
import io.icemesh.stun.StunMessageBuilder;
import io.icemesh.stun.StunMessageDecoder;
import io.icemesh.stun.StunMessageType;
import io.icemesh.stun.XorAddress;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NAT's mapping behaviour (RFC 4787 section 4.1), told the way RFC 5780 does it but with the servers already in
 * the list: one local UDP socket sends a Binding request to every server that answers STUN over UDP, and the mapped
 * addresses are compared. The same mapped address for every server is endpoint-independent mapping, so peers
 * elsewhere can usually reach this client on its server-reflexive address; a different one per server (a
 * "symmetric" NAT) means peers elsewhere will need TURN.
 */
final class Nat {

    /** What the comparison showed. */
    enum Mapping {
        /** Fewer than two servers answered. */
        UNKNOWN,
        /** The mapped address is this machine's own: no NAT on the way. */
        NONE,
        /** The same mapped address towards servers at two or more addresses. */
        ENDPOINT_INDEPENDENT,
        /**
         * The same mapped address towards two ports of one server address: not port-dependent, but whether it depends
         * on the address needs a server at a second address.
         */
        NOT_PORT_DEPENDENT,
        /** A different mapped address towards different servers. */
        ENDPOINT_DEPENDENT
    }

    /**
     * @param mapping  what the mapped addresses say
     * @param local    the socket's own address
     * @param mappedBy server address to the mapped address it reported
     * @param text     the finding in plain words
     */
    record Result(Mapping mapping, InetSocketAddress local, Map<InetSocketAddress, InetSocketAddress> mappedBy,
            String text) {
    }

    private Nat() {
    }

    static Result probe(List<InetSocketAddress> servers, Exchange.Schedule schedule) {
        Map<InetSocketAddress, InetSocketAddress> mapped = new LinkedHashMap<>();
        InetSocketAddress local = null;
        try (DatagramSocket socket = new DatagramSocket()) {
            local = (InetSocketAddress) socket.getLocalSocketAddress();
            Map<String, InetSocketAddress> byId = new HashMap<>();
            Map<InetSocketAddress, byte[]> requests = new LinkedHashMap<>();
            for (InetSocketAddress s : servers) {
                byte[] id = ServerCheck.newId();
                requests.put(s, StunMessageBuilder.of(StunMessageType.BINDING_REQUEST, id).build());
                byId.put(Arrays.toString(id), s);
            }
            long start = System.nanoTime();
            byte[] buf = new byte[1500];
            for (int i = 0; i < schedule.tries() && mapped.size() < servers.size(); i++) {
                for (Map.Entry<InetSocketAddress, byte[]> e : requests.entrySet()) {
                    if (!mapped.containsKey(e.getKey())) {
                        socket.send(new DatagramPacket(e.getValue(), e.getValue().length, e.getKey()));
                    }
                }
                long until = start + (i + 1 < schedule.tries() ? schedule.sendAt(i + 1) : schedule.giveUpAt())
                        * 1_000_000;
                while (mapped.size() < servers.size()) {
                    long left = (until - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) left);
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    StunMessage m = StunMessageDecoder.decode(Arrays.copyOf(p.getData(), p.getLength()));
                    if (m == null || m.type() != StunMessageType.BINDING_SUCCESS) {
                        continue;
                    }
                    InetSocketAddress server = byId.get(Arrays.toString(m.transactionId()));
                    InetSocketAddress x = XorAddress.decode(m, StunAttributeType.XOR_MAPPED_ADDRESS);
                    if (server != null && x != null) {
                        mapped.put(server, x);
                    }
                }
            }
        } catch (IOException e) {
            return new Result(Mapping.UNKNOWN, local, mapped, "the NAT test could not run: " + e.getMessage());
        }
        return judge(local, mapped);
    }

    static Result judge(InetSocketAddress local, Map<InetSocketAddress, InetSocketAddress> mapped) {
        if (mapped.size() < 2) {
            return new Result(Mapping.UNKNOWN, local, mapped, (mapped.isEmpty() ? "no server" : "only one server")
                    + " answered STUN over UDP, so the NAT's behaviour cannot be told: list STUN servers at two "
                    + "different addresses to know whether peers elsewhere will need TURN");
        }
        long distinct = mapped.values().stream().distinct().count();
        InetSocketAddress any = mapped.values().iterator().next();
        if (distinct == 1 && isOwnAddress(any.getAddress()) && any.getPort() == local.getPort()) {
            return new Result(Mapping.NONE, local, mapped, "no NAT between this machine and the servers: "
                    + mapped.size() + " servers saw this machine's own address " + Report.address(any)
                    + " (peers that can route to it need no TURN)");
        }
        long serverAddresses = mapped.keySet().stream().map(InetSocketAddress::getAddress).distinct().count();
        if (distinct == 1 && serverAddresses < 2) {
            return new Result(Mapping.NOT_PORT_DEPENDENT, local, mapped, "the same mapping " + Report.address(any)
                    + " towards " + mapped.size() + " ports of one server address: the NAT's mapping does not depend "
                    + "on the port; list a STUN server at a second address to tell whether it depends on the address "
                    + "(a \"symmetric\" NAT, which needs TURN for peers elsewhere)");
        }
        if (distinct == 1) {
            return new Result(Mapping.ENDPOINT_INDEPENDENT, local, mapped, "endpoint-independent NAT mapping: "
                    + mapped.size() + " servers all saw " + Report.address(any) + ", so peers elsewhere can usually "
                    + "reach this client on that address; TURN is needed only when their side blocks it");
        }
        StringBuilder seen = new StringBuilder();
        mapped.forEach((s, m) -> seen.append(seen.length() == 0 ? "" : ", ").append(Report.address(s))
                .append(" saw ").append(Report.address(m)));
        return new Result(Mapping.ENDPOINT_DEPENDENT, local, mapped, "destination-dependent NAT mapping (a \"symmetric\" "
                + "NAT): " + seen + ". A peer elsewhere cannot use the address a STUN server saw, so calls to peers "
                + "outside this network will need TURN");
    }

    private static boolean isOwnAddress(InetAddress a) {
        try {
            return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
