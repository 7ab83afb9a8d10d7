package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.testkit.Browser;
import io.icemesh.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * Calls through the web client between Chromium pages behind real NATs ({@link NatLab}: Linux network namespaces with
 * nftables masquerade), the mesh on the lab's public segment: two endpoint-independent NATs connect directly through
 * their mappings, two symmetric NATs need TURN's relay, a client whose network drops UDP gets through on TURN over TCP,
 * and an SFU room holds one of each. Each call's time to first frame is printed ("NAT call ...") for
 * docs/benchmarks.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NatCallTest {

    /**
     * What the page's connection to {@code arguments[0]} uses now, from getStats: the selected pair's candidate types,
     * addresses and the local relay protocol, every local candidate type gathered, and ({@code direct}) the same of a
     * succeeded pair with no relay on either end whose checks were answered both ways, or null.
     */
    private static final String PAIR = """
            const done = arguments[arguments.length - 1];
            const link = window.icemeshClient && window.icemeshClient.links.get(arguments[0]);
            if (!link) { done(null); return; }
            link.pc.getStats().then((stats) => {
              let pair = null;
              const gathered = new Set();
              stats.forEach((s) => {
                if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
                if (s.type === 'local-candidate') gathered.add(s.candidateType);
              });
              if (!pair) { done(null); return; }
              const describe = (p) => {
                const l = stats.get(p.localCandidateId);
                const r = stats.get(p.remoteCandidateId);
                return { localType: l.candidateType, localAddress: l.address, relayProtocol: l.relayProtocol || null,
                  remoteType: r.candidateType, remoteAddress: r.address, bytesReceived: p.bytesReceived || 0 };
              };
              // The pair without a relay on either end whose checks went both ways (it carried the NATs' mappings)
              // and that received the most.
              let direct = null;
              stats.forEach((s) => {
                if (s.type !== 'candidate-pair' || s.state !== 'succeeded' || !(s.requestsReceived > 0)
                    || !(s.responsesReceived > 0)) return;
                const d = describe(s);
                if (d.localType !== 'relay' && d.remoteType !== 'relay'
                    && (!direct || d.bytesReceived > direct.bytesReceived)) direct = d;
              });
              done(Object.assign(describe(pair), { gathered: [...gathered].sort(), direct }));
            }, (e) => done({ error: String(e) }));
            """;
    private static final Duration CONNECT = Duration.ofSeconds(60);

    private NatLab lab;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    void startLab() throws Exception {
        lab = NatLab.start();
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void twoClientsBehindEndpointIndependentNatsConnectThroughTheirMappings() throws Exception {
        // Chromium's answering side may first send on a pair through the other's relay, before the direct pair it
        // checked itself is confirmed; each side should settle on the direct one. It has been seen to keep sending
        // through the relay for 20 s and more, with the direct pair checked both ways: for one side at most, that pair
        // stands in for the selected one (the side's checks below look at it) when media from the other side came in
        // on it: the NATs' mappings carried the call one way, and checks both; which pair Chromium sends on is
        // Chromium's choice.
        // monitor's view is checked while the pages are open: a page that leaves may not have sent its last reports.
        Call call = call("cone1", "cone2", pair -> !"relay".equals(pair.get("localType"))
                && !"relay".equals(pair.get("remoteType")), pair -> pair.get("direct") instanceof Map<?, ?> d
                        && ((Number) d.get("bytesReceived")).longValue() > 0, 0, sides -> {
                    for (Side s : sides) {
                        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                            JsonNode session = monitorSession(s.sessionId());
                            // Chromium may never signal a srflx candidate here: a peer's check can teach it the same
                            // mapping first (a prflx). The selected pair shows the reports arrived.
                            assertTrue(session.get("timeline").path("pair").has("localType"),
                                    "monitor has the page's reports: " + session.get("timeline"));
                            assertTrue(session.get("timeline").path("natEvidence").isNull()
                                            || session.get("timeline").path("natEvidence").isMissingNode(),
                                    "a full-cone NAT shows every server the same port: " + session.get("timeline"));
                        });
                    }
                });
        for (Side s : call.sides()) {
            // Chromium hides a peer-reflexive remote candidate's address (it came from the wire, not from signaling).
            String remote = (String) s.pair().get("remoteAddress");
            assertTrue(remote == null || remote.isEmpty() || remote.equals(NatLab.OUTSIDE.get(s.other())),
                    s.client() + " reaches the other page at its NAT's public mapping: " + s.pair());
            assertTrue(List.of("srflx", "prflx").contains(s.pair().get("localType")), s.client()
                    + " sends from its own NAT's mapping (server- or peer-reflexive): " + s.pair());
        }
    }

    @Test
    void twoClientsBehindSymmetricNatsNeedAndUseTheRelay() throws Exception {
        // The evidence needs both of turn-service's STUN ports in the list the pages get, and signaling drops a port
        // monitor has marked unhealthy (a probe that timed out on a loaded machine is enough): wait until monitor has
        // both answering. CI once saw a page gather a server-reflexive candidate from one port only.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode servers = json.readTree(lab.get(NatLab.MONITOR_PORT, "/api/servers").body());
            for (int port : List.of(3478, NatLab.ALTERNATE_STUN_PORT)) {
                boolean healthy = false;
                for (JsonNode s : servers) {
                    String url = s.get("url").asText();
                    healthy |= url.startsWith("stun:") && url.endsWith(":" + port) && s.get("healthy").asBoolean();
                }
                assertTrue(healthy, "monitor has STUN port " + port + " answering: " + servers);
            }
        });
        // monitor's diagnosis of each session names the cause: two STUN ports saw its socket at two ports. Checked
        // while the pages are open: a page that leaves may not have sent its last reports.
        Call call = call("sym1", "sym2", pair -> true, sides -> {
            for (Side s : sides) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonNode diagnosis = monitorSession(s.sessionId()).get("diagnosis");
                    String finding = null;
                    for (JsonNode f : diagnosis.get("findings")) {
                        if (f.asText().startsWith("behind a symmetric NAT, relayed")) {
                            finding = f.asText();
                        }
                    }
                    assertNotNull(finding, "monitor names the NAT: " + diagnosis + "\n"
                            + monitorSession(s.sessionId()));
                    System.out.println("NAT call sym1->sym2: monitor on " + s.client() + ": " + finding);
                    assertTrue(finding.contains("only relay pairs succeeded"),
                            "and the relay as the only working path: " + diagnosis);
                });
            }
        });
        for (Side s : call.sides()) {
            assertTrue(((List<?>) s.pair().get("gathered")).contains("srflx"),
                    s.client() + " gathered a server-reflexive candidate, so a direct pair was tried: " + s.pair());
        }
        Side a = call.sides().get(0);
        assertTrue("relay".equals(a.pair().get("localType")) || "relay".equals(a.pair().get("remoteType")),
                "the selected pair runs through TURN's relay: " + a.pair());
        assertEquals(NatLab.SERVER, "relay".equals(a.pair().get("localType")) ? a.pair().get("localAddress")
                : a.pair().get("remoteAddress"), "the relay is turn-service's: " + a.pair());
    }

    @Test
    void aClientWhoseNetworkDropsUdpConnectsThroughTurnOverTcp() throws Exception {
        // The blocked page is the newcomer, and its user looks at the preview for longer than UDP first waits
        // before clicking: the connection it made before the click (UDP first, no relay over UDP) must still get
        // the whole list, TURN over TCP and TLS, once it has its peer.
        Call call = call("cone1", "udpblock", pair -> true, null, 2000, sides -> { });
        Side blocked = call.sides().get(1);
        assertEquals("relay", blocked.pair().get("localType"), "the UDP-blocked page uses its relay: " + blocked.pair());
        assertTrue(List.of("tcp", "tls").contains(blocked.pair().get("relayProtocol")),
                "it reached turn-service over TCP or TLS: " + blocked.pair());
        assertEquals(List.of("host", "relay"), blocked.pair().get("gathered"),
                "no STUN answer reaches it, so it has no server-reflexive candidate: " + blocked.pair());
    }

    @Test
    void theDoctorTellsASymmetricNatFromAnEndpointIndependentOne() throws Exception {
        // The doctor jar run inside each client namespace. Its list: turn-service's STUN port on the lab's public
        // address and a coturn (STUN only) on the second public address, so that the mappings towards two server
        // addresses can be compared.
        String second = "198.51.100.10";
        Path dir = Files.createTempDirectory("icemesh-nat-coturn-");
        Process coturn = new ProcessBuilder("ip", "netns", "exec", lab.ns("pub"), "turnserver", "-n", "--stun-only",
                "--listening-ip=" + second, "--listening-port=3478", "--no-tls", "--no-dtls", "--no-cli",
                "--log-file=stdout", "--simple-log", "--pidfile=" + dir.resolve("turnserver.pid"),
                "--userdb=" + dir.resolve("turndb.sqlite")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("turnserver.log").toFile()).start();
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            String jar = lab.root.resolve("doctor/target/icemesh-doctor.jar").toString();
            String list = "stun:" + NatLab.SERVER + ":3478,stun:" + second + ":3478";
            for (Map.Entry<String, String> want : Map.of("sym1", "endpoint-dependent", "cone1",
                    "endpoint-independent").entrySet()) {
                // until coturn answers (its start), then the verdict
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Command.Result run = Command.run(List.of("ip", "netns", "exec", lab.ns(want.getKey()), java,
                            "-jar", jar, "--ice-servers", list, "--json"), lab.root, Map.of(), Duration.ofMinutes(1));
                    assertEquals(0, run.exitCode(), run.output() + Files.readString(dir.resolve("turnserver.log")));
                    JsonNode nat = new ObjectMapper().readTree(run.output()).get("nat");
                    assertEquals(want.getValue(), nat.get("mapping").asText(), want.getKey() + ": " + nat);
                    assertTrue(nat.get("text").asText().contains(NatLab.OUTSIDE.get(want.getKey())),
                            "the doctor names the NAT's outside address: " + nat);
                });
            }
        } finally {
            coturn.destroy();
            coturn.waitFor();
        }
    }

    @Test
    void aiortcBehindASymmetricNatAndChromiumBehindAFullConeConnectWithoutTheRelay() throws Exception {
        String room = "nat-aiortc-" + UUID.randomUUID().toString().substring(0, 6);
        try (Browser page = lab.browser("cone2")) {
            page.driver.get(NatLab.webClient("room=" + room + "&user=chromium"));
            page.driver.findElement(By.id("join-button")).click();
            await().atMost(CONNECT).until(() -> page.js("return window.icemeshSession") != null);
            try (Aiortc client = Aiortc.start(List.of("ip", "netns", "exec", lab.ns("sym1")), lab.root, List.of(
                    "--base", "http://" + NatLab.SERVER + ":" + NatLab.SIGNALING_PORT, "--room", room, "--user",
                    "aiortc", "--duration", "60"))) {
                await().atMost(CONNECT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertTrue(
                        page.framesDecoded() > 0, "Chromium decodes aiortc's video; stats: "
                                + page.js("return JSON.stringify(window.icemeshStats)") + "; aiortc: "
                                + client.stderr()));
                String peer = (String) page.js("return Object.keys(window.icemeshStats)[0]");
                // A full cone takes packets from any port of the symmetric side: the pair needs no relay.
                AtomicReference<Map<String, Object>> last = new AtomicReference<>();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    last.set(pair(page, peer));
                    assertTrue(!"relay".equals(last.get().get("localType"))
                            && !"relay".equals(last.get().get("remoteType")),
                            "a direct pair between a symmetric and a full-cone NAT: " + last.get());
                });
                Map<String, Object> pair = last.get();
                Object chromiumFirstFrame = ((Map<?, ?>) page.js("return window.icemeshStats[arguments[0]]", peer))
                        .get("firstFrameMs");
                JsonNode result = client.stop();
                JsonNode aiortc = result.get("peers").get(0);
                System.out.printf("NAT call aiortc(sym1)->chromium(cone2): aiortc first frame %s ms, connected %s ms;"
                        + " chromium first frame %s ms over %s/%s%n", aiortc.get("firstFrameMs"),
                        aiortc.get("connectedMs"), chromiumFirstFrame, pair.get("localType"), pair.get("remoteType"));
                assertTrue(aiortc.get("firstFrameMs").isNumber(), "aiortc decodes Chromium's video: " + result);
            }
        }
    }

    @Test
    void anSfuRoomHoldsOneClientBehindEachKindOfNat() throws Exception {
        String room = "nat-sfu-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> clients = List.of("cone1", "sym1", "udpblock");
        List<Browser> pages = new ArrayList<>();
        try {
            for (String client : clients) {
                Browser page = lab.browser(client);
                pages.add(page);
                page.driver.get(NatLab.webClient("mode=sfu&room=" + room + "&user=" + client));
                page.driver.findElement(By.id("join-button")).click();
            }
            for (int i = 0; i < pages.size(); i++) {
                Browser page = pages.get(i);
                String client = clients.get(i);
                await().atMost(CONNECT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertEquals(2L,
                        page.js("const t = window.icemeshStats.sfu; return t ? t.videoStreamsDecoding : 0"),
                        client + " decodes both other publishers through the SFU; status: " + status(page)
                                + ", stats: " + page.js("return JSON.stringify(window.icemeshStats)")));
            }
            for (int i = 0; i < pages.size(); i++) {
                Map<String, Object> pair = pair(pages.get(i), "sfu");
                Map<?, ?> t = (Map<?, ?>) pages.get(i).js("return window.icemeshStats.sfu");
                System.out.printf("NAT call sfu: %s first frame %s ms over %s/%s (%s)%n", clients.get(i),
                        t.get("firstFrameMs"), pair.get("localType"), pair.get("remoteType"),
                        pair.get("relayProtocol"));
                if ("udpblock".equals(clients.get(i))) {
                    assertEquals("relay", pair.get("localType"), "the UDP-blocked page reaches the SFU through TURN");
                } else {
                    assertEquals(NatLab.SERVER, pair.get("remoteAddress"), clients.get(i)
                            + " reaches media-service on the public address: " + pair);
                }
            }
        } finally {
            pages.forEach(Browser::close);
        }
    }

    /** One page's view of a finished two-page call. */
    record Side(String client, String other, Map<String, Object> pair, String sessionId) {
    }

    record Call(List<Side> sides) {
    }

    /** Checks made while both pages are still in the call. */
    @FunctionalInterface
    interface WhileOpen {
        void check(List<Side> sides) throws Exception;
    }

    /**
     * Two pages in a new P2P room, one in each client namespace, until each decodes the other's video and its selected
     * pair is {@code settled} (each side's pair at that moment is returned; a pair that never settles fails).
     */
    private Call call(String first, String second, Predicate<Map<String, Object>> settled, WhileOpen whileOpen)
            throws Exception {
        return call(first, second, settled, null, 0, whileOpen);
    }

    /**
     * A call between pages in two namespaces. Each page's selected pair must meet {@code settled} within 20 s; if it
     * does not and {@code fallback} holds (non-null; for one side at most), the side's pair is the direct pair its
     * checks confirmed ({@code direct}), and what it selected instead is printed. With {@code newcomerDwellMs} above
     * 0 the second page clicks Join only once it is ready (its standby connection made) and that long after.
     */
    @SuppressWarnings("unchecked")
    private Call call(String first, String second, Predicate<Map<String, Object>> settled,
            Predicate<Map<String, Object>> fallback, int newcomerDwellMs, WhileOpen whileOpen) throws Exception {
        String room = "nat-" + first + "-" + second + "-" + UUID.randomUUID().toString().substring(0, 6);
        try (Browser a = lab.browser(first); Browser b = lab.browser(second)) {
            Map<Browser, String> names = Map.of(a, first, b, second);
            for (Browser page : List.of(a, b)) {
                page.driver.get(NatLab.webClient("room=" + room + "&user=" + names.get(page)));
                if (page == b && newcomerDwellMs > 0) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> page.js("return window.icemeshReadyAt") != null);
                    // The user's own time on the preview: awaited on the page's clock.
                    await().atMost(Duration.ofMillis(newcomerDwellMs + 10_000)).pollInterval(Duration.ofMillis(100))
                            .until(() -> Boolean.TRUE.equals(page.js(
                                    "return performance.now() - window.icemeshReadyAt >= arguments[0]",
                                    newcomerDwellMs)));
                }
                page.driver.findElement(By.id("join-button")).click();
            }
            for (Browser page : List.of(a, b)) {
                await().atMost(CONNECT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertTrue(
                        page.framesDecoded() > 0, names.get(page) + " decodes the other's video; status: "
                                + status(page) + ", stats: " + page.js("return JSON.stringify(window.icemeshStats)")
                                + "\n" + lab.logTail("signaling")));
            }
            List<Side> sides = new ArrayList<>();
            boolean fellBack = false;
            for (Browser page : List.of(a, b)) {
                String peer = (String) page.js("return Object.keys(window.icemeshStats)[0]");
                AtomicReference<Map<String, Object>> last = new AtomicReference<>();
                String name = names.get(page);
                Map<String, Object> pair;
                try {
                    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        last.set(pair(page, peer));
                        assertTrue(settled.test(last.get()), name + "'s selected pair settles: " + last.get());
                    });
                    pair = last.get();
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    Map<String, Object> now = pair(page, peer);
                    if (fallback == null || !fallback.test(now) || fellBack) {
                        throw e;
                    }
                    fellBack = true;
                    System.out.printf("NAT call %s->%s: %s's selected pair stayed %s/%s; its direct pair succeeded:"
                            + " %s%n", first, second, name, now.get("localType"), now.get("remoteType"),
                            now.get("direct"));
                    pair = (Map<String, Object>) now.get("direct");
                }
                Map<?, ?> t = (Map<?, ?>) page.js("return window.icemeshStats[arguments[0]]", peer);
                System.out.printf("NAT call %s->%s: %s first frame %s ms, connected %s ms, over %s/%s (%s); its ICE"
                        + " servers %s%n", first, second, name, t.get("firstFrameMs"), t.get("connectedMs"),
                        pair.get("localType"), pair.get("remoteType"), pair.get("relayProtocol"),
                        page.js("return JSON.stringify(window.icemeshClient.iceServers.map((s) => s.urls))"));
                sides.add(new Side(name, name.equals(first) ? second : first, pair,
                        (String) page.js("return window.icemeshSession.sessionId")));
            }
            whileOpen.check(sides);
            return new Call(sides);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pair(Browser page, String peer) {
        Map<String, Object> pair = (Map<String, Object>) page.async(PAIR, peer);
        assertNotNull(pair, "a selected candidate pair for " + peer);
        assertTrue(!pair.containsKey("error"), "getStats: " + pair);
        return pair;
    }

    private static String status(Browser page) {
        return page.driver.findElement(By.id("status")).getText();
    }

    private JsonNode monitorSession(String sessionId) throws Exception {
        var reply = lab.get(NatLab.MONITOR_PORT, "/api/sessions/" + sessionId);
        assertEquals(200, reply.statusCode(), reply.body());
        return json.readTree(reply.body());
    }
}
