package io.icemesh.turn.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AllocationTest {

    private static final long SEC = 1_000_000_000L;
    private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.1", 5000);

    private static Allocation allocation(String user, int clientPort) {
        FiveTuple t = new FiveTuple(new InetSocketAddress("192.0.2.1", clientPort), new InetSocketAddress("192.0.2.9", 3478),
                TransportProtocol.UDP);
        return new Allocation("a" + clientPort, t, user, new byte[] {1}, new byte[12], 600 * SEC, 0, 0);
    }

    @Test
    void permissionsExpireAfterTheirLifetime() throws Exception {
        Allocation a = allocation("u", 1);
        InetAddress peer = PEER.getAddress();
        assertFalse(a.hasPermission(peer, 0));
        assertTrue(a.installPermission(peer, 300 * SEC));
        assertTrue(a.hasPermission(peer, 299 * SEC));
        assertFalse(a.hasPermission(peer, 300 * SEC), "permission lapses at 300 s");
        assertFalse(a.hasPermission(InetAddress.getByName("198.51.100.2"), 0), "permissions are per IP");
        a.installPermission(peer, 400 * SEC);
        assertEquals(1, a.permissionCount(), "refresh does not duplicate");
        a.expireStale(401 * SEC);
        assertEquals(0, a.permissionCount());
    }

    @Test
    void channelBindingRules() {
        Allocation a = allocation("u", 1);
        assertEquals(Allocation.BindResult.BOUND, a.bindChannel(0x4000, PEER, 600 * SEC));
        assertEquals(Allocation.BindResult.REFRESHED, a.bindChannel(0x4000, PEER, 700 * SEC));
        assertEquals(Allocation.BindResult.CONFLICT, a.bindChannel(0x4000, new InetSocketAddress("198.51.100.1", 5001), 0),
                "a number bound to another peer");
        assertEquals(Allocation.BindResult.CONFLICT, a.bindChannel(0x4001, PEER, 0), "a peer bound to another number");
        assertSame(a.channel(0x4000, SEC), a.channelFor(PEER, SEC));
        assertNull(a.channel(0x4001, SEC));
        assertNull(a.channel(0x4000, 700 * SEC), "binding lapses");
    }

    @Test
    void lifetimeAndRefresh() {
        Allocation a = allocation("u", 1);
        assertFalse(a.isExpired(599 * SEC));
        assertTrue(a.isExpired(600 * SEC));
        a.refresh(900 * SEC);
        assertFalse(a.isExpired(600 * SEC));
    }

    private static final InetAddress CLIENT = new InetSocketAddress("192.0.2.1", 1).getAddress();
    private static final InetAddress OTHER_CLIENT = new InetSocketAddress("192.0.2.2", 1).getAddress();

    @Test
    void managerEnforcesQuotasAndExpires() {
        AllocationManager m = new AllocationManager(2, 10, 3);
        List<String> ended = new ArrayList<>();
        m.onEnd((a, r) -> ended.add(a.id() + ":" + r.label()));
        assertEquals(AllocationManager.Admission.OK, m.reserve("u", CLIENT));
        assertEquals(AllocationManager.Admission.OK, m.reserve("u", CLIENT));
        assertEquals(AllocationManager.Admission.USER_QUOTA, m.reserve("u", CLIENT));
        assertEquals(AllocationManager.Admission.OK, m.reserve("v", CLIENT));
        assertEquals(AllocationManager.Admission.TOTAL_QUOTA, m.reserve("w", CLIENT));
        m.release("v", CLIENT);
        m.release("u", CLIENT);
        Allocation a = allocation("u", 1);
        AtomicBoolean closed = new AtomicBoolean();
        a.attachRelay(new RelayEndpoint() {
            @Override
            public InetSocketAddress address() {
                return PEER;
            }

            @Override
            public void close() {
                closed.set(true);
            }
        });
        assertNull(m.putIfAbsent(a));
        assertNotNull(m.putIfAbsent(allocation("u", 1)), "the 5-tuple is taken");
        assertSame(a, m.get(a.fiveTuple()));
        assertEquals(List.of(), m.sweep(599 * SEC));
        assertEquals(List.of(a), m.sweep(600 * SEC));
        assertTrue(closed.get(), "the relay socket closes with the allocation");
        assertEquals(List.of("a1:expired"), ended);
        assertEquals(AllocationManager.Admission.OK, m.reserve("u", CLIENT), "the expired allocation gave its slot back");
        m.startDraining();
        assertEquals(AllocationManager.Admission.DRAINING, m.reserve("x", CLIENT));
    }

    @Test
    void restUsernamesOfOneSessionShareItsQuotaWhateverTheirExpiry() {
        AllocationManager m = new AllocationManager(2, 100, 100);
        assertEquals(AllocationManager.Admission.OK, m.reserve("1900000000:session-1", CLIENT));
        assertEquals(AllocationManager.Admission.OK, m.reserve("1900000060:session-1", OTHER_CLIENT));
        assertEquals(AllocationManager.Admission.USER_QUOTA, m.reserve("1900000120:session-1", CLIENT),
                "a third credential minted for the same session counts against the same quota");
        assertEquals(AllocationManager.Admission.OK, m.reserve("1900000120:session-2", CLIENT));
        m.release("1900000000:session-1", CLIENT);
        assertEquals(AllocationManager.Admission.OK, m.reserve("1900000180:session-1", CLIENT),
                "a released slot comes back to the session, whichever username took it");
        assertEquals(AllocationManager.quotaKey("1900000000"), AllocationManager.quotaKey("1900000000"));
        assertNotEquals(AllocationManager.quotaKey("1900000000"), AllocationManager.quotaKey("1900000001"),
                "a REST username without a user part is its own key");
        assertNotEquals(AllocationManager.quotaKey("session-1"), AllocationManager.quotaKey("1:session-1"),
                "a static user and a REST session of the same name do not share a quota");
    }

    @Test
    void oneSourceAddressHasItsOwnQuota() {
        AllocationManager m = new AllocationManager(10, 2, 100);
        assertEquals(AllocationManager.Admission.OK, m.reserve("a", CLIENT));
        assertEquals(AllocationManager.Admission.OK, m.reserve("b", CLIENT));
        assertEquals(AllocationManager.Admission.SOURCE_QUOTA, m.reserve("c", CLIENT));
        assertEquals(AllocationManager.Admission.OK, m.reserve("c", OTHER_CLIENT), "another address is not affected");
        assertEquals(AllocationManager.Admission.OK, m.reserve("c", OTHER_CLIENT),
                "a refusal for the source quota took no slot from the user");
        assertEquals(4, m.reservedSlots());
    }
}
