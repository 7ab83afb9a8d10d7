package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.Browser;
import io.icemesh.testkit.WebClientCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * Two users join a room through the web client in two headless Chromium instances with fake cameras, on the local
 * mesh started by ./icemesh, and each decodes the other's video.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumCallTest {

    private Mesh mesh;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new Mesh();
        Mesh.Result up = mesh.upWithLoopbackRelay();
        assertEquals(0, up.exitCode(), "./icemesh up -d failed:\n" + up.output());
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void twoUsersSeeEachOthersVideoThroughTheWebClient() throws Exception {
        double firstMediaBefore = monitorCount("first_media");
        Map<String, Object> timing = call(false);
        assertTrue(List.of("host", "prflx", "srflx").contains(timing.get("localType")),
                "a host call uses a direct pair: " + timing);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertTrue(
                monitorCount("first_media") >= firstMediaBefore + 2,
                "both clients' first-media reports reached monitor through signaling and Kafka"));
    }

    @Test
    void twoUsersForcedToRelayConnectThroughTurnService() throws Exception {
        double allocationsBefore = turnAllocations();
        Map<String, Object> timing = call(true);
        assertEquals("relay", timing.get("localType"), "force relay gives a relay pair: " + timing);
        // UDP first: where UDP reaches turn-service the page never asks for its TCP or TLS relays.
        assertEquals("udp", timing.get("protocol"), "the relay is reached over UDP: " + timing);
        List<?> relays = (List<?>) timing.get("relays");
        assertTrue(!relays.isEmpty() && relays.stream().allMatch("udp"::equals),
                "and only relays over UDP were gathered: " + timing);
        assertEquals(0, ((Number) timing.get("restarts")).intValue(), "with no ICE restart: " + timing);
        assertTrue(turnAllocations() >= allocationsBefore + 2, "both pages allocated on turn-service");
        // monitor joined the client's reports (via signaling) and turn-service's allocation events (via the TURN
        // username) into one timeline for the session.
        String session = (String) timing.get("sessionId");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var view = monitorTimeline(session);
            assertTrue(view.get("timeToFirstMediaMs").isNumber(), "first media in monitor's timeline: " + view);
            assertEquals("relay", view.get("pair").get("localType").asText(), view.toString());
            assertTrue(view.get("turnAllocations").asInt() >= 1, "the TURN allocation joined the session: " + view);
        });
    }

    @Test
    void anAiortcClientAndAChromiumPageCallEachOther() throws Exception {
        String room = "mixed-" + UUID.randomUUID().toString().substring(0, 8);
        try (Browser page = new Browser()) {
            // prepare=0: nothing made before the click, the way a page that prepares nothing joins (the other
            // tests' pages prepare).
            page.driver.get("http://127.0.0.1:" + mesh.ports.get("signaling") + "/?user=chromium&prepare=0&room="
                    + room);
            page.driver.findElement(By.id("join-button")).click();
            await().atMost(Duration.ofSeconds(20)).until(() -> page.js("return window.icemeshSession") != null);
            try (Aiortc client = Aiortc.start(mesh.root, mesh.ports.get("signaling"), "--room", room,
                    "--user", "aiortc", "--duration", "60")) {
                await().atMost(Duration.ofSeconds(25)).untilAsserted(() ->
                        assertTrue(page.framesDecoded() > 0, "Chromium decodes aiortc's video; page stats: "
                                + page.js("return JSON.stringify(window.icemeshStats)") + "; aiortc stderr: "
                                + client.stderr()));
                // The page, in the room first, made its connection at peer-joined, before aiortc's offer reached it,
                // and answered that offer before any offer of its own (aiortc 1.4 cannot roll back a colliding
                // offer); its audio, which aiortc did not offer to receive, comes in a renegotiation afterwards.
                assertEquals(true, page.js("const links = [...window.icemeshClient.links.values()];"
                        + " const m = window.icemeshMarks();"
                        + " return links.length === 1 && m['message-offer'] !== undefined"
                        + " && links[0].createdAt < m['message-offer']"),
                        "one connection, made before the offer came: "
                                + page.js("return JSON.stringify(window.icemeshMarks())"));
                assertEquals(true, page.js("const m = window.icemeshMarks();"
                        + " return m['answer-sent'] !== undefined"
                        + " && (m['offer-sent'] === undefined || m['offer-sent'] > m['answer-sent'])"),
                        "the page answered before it offered anything: "
                                + page.js("return JSON.stringify(window.icemeshMarks())"));
                var result = client.stop();
                var peer = result.get("peers").get(0);
                assertTrue(peer.get("firstFrameMs").isNumber(), "aiortc received Chromium's video: " + result);
                System.out.printf("aiortc <-> chromium call: aiortc connected %s ms, first frame %s ms%n",
                        peer.get("connectedMs"), peer.get("firstFrameMs"));
                assertEquals("udp", peer.path("protocol").asText(), "aiortc knows its pair's protocol: " + result);
            }
            // both clients reported their selected pair with its protocol; monitor keeps every label (aiortc's pair
            // used to count as unknown/unknown/unknown)
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var sessions = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        mesh.get("monitor", "/api/sessions?limit=200").body());
                List<String> pairs = new java.util.ArrayList<>();
                for (var session : sessions) {
                    if (room.equals(session.path("roomId").asText())) {
                        pairs.add(session.path("selectedPair").asText());
                    }
                }
                assertEquals(2, pairs.stream().filter(p -> p.matches("(host|srflx|prflx|relay)/(host|srflx|prflx|relay)"
                        + " udp")).count(), "both sessions' pairs with types and protocol: " + pairs);
            });
        }
    }

    @Test
    void aNewcomerWhosePageIsReadyOffersOnTheConnectionItMadeBeforeTheClick() throws Exception {
        String room = "ready-" + UUID.randomUUID().toString().substring(0, 8);
        String url = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/?room=" + room;
        try (Browser a = new Browser(); Browser b = new Browser()) {
            a.driver.get(url + "&user=first");
            a.driver.findElement(By.id("join-button")).click();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.js("return window.icemeshSession") != null);
            // The first page makes, a second after its join, the connection it will answer the next newcomer on.
            await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(
                    a.js("return window.icemeshClient.answerStandby !== null")));
            b.driver.get(url + "&user=newcomer");
            await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(b.js("return window.icemeshReady")));
            b.driver.findElement(By.id("join-button")).click();
            for (Browser page : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(page.framesDecoded() > 0,
                        "page decodes the other's video: " + page.js("return JSON.stringify(window.icemeshStats)")));
            }
            String marks = (String) b.js("return JSON.stringify(window.icemeshMarks())");
            // Socket, connection and offer were made before the click; the offer left with the join, and signaling
            // gave it to the first page (on the same instance, usually ahead of the room log and of peer-joined);
            // the call is on that connection, the only one the newcomer has.
            assertEquals(true, b.js("const m = window.icemeshMarks(); const links = [...window.icemeshClient.links"
                    + ".values()]; return links.length === 1 && links[0].createdAt < m.click"
                    + " && m['socket-open'] < m.click && m['offer-applied'] < m.click && m['offer-sent'] < m.joined"
                    + " && typeof links[0].offerInJoin === 'string'"),
                    "the standby connection carried the call: " + marks);
            assertEquals(a.js("return window.icemeshSession.peerId"), b.js("return window.icemeshClient.offeredTo"),
                    "signaling gave the join's offer to the first page");
            assertEquals(true, a.js("const m = window.icemeshMarks(); const links = [...window.icemeshClient.links"
                    + ".values()]; return links.length === 1 && links[0].createdAt < m['message-peer-joined']"),
                    "the first page answered on the connection it made ahead: "
                            + a.js("return JSON.stringify(window.icemeshMarks())"));
            await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(a.js("const c ="
                    + " window.icemeshClient; return c.answerStandby !== null"
                    + " && ![...c.links.values()].includes(c.answerStandby)")));
            // Each side's video starts at the client's start bitrate: it is in the description each applied as
            // remote, and Chromium took it.
            for (Browser page : List.of(a, b)) {
                assertEquals(true, page.js("return [...window.icemeshClient.links.values()][0].pc.remoteDescription"
                        + ".sdp.includes('x-google-start-bitrate=1000')"), "start bitrate in the remote description");
            }
            // The standby's reports, held until it had a peer, reached monitor: the newcomer's session has its pair
            // and its first media.
            String session = (String) b.js("return window.icemeshSession.sessionId");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var view = monitorTimeline(session);
                assertTrue(view.get("timeToFirstMediaMs").isNumber(), "first media in monitor's timeline: " + view);
                assertTrue(view.get("pair").hasNonNull("localType"), "the selected pair: " + view);
            });
        }
    }

    @Test
    void aResumeDropsTheConnectionsToPeersNoLongerInTheRoom() throws Exception {
        // A P2P client that held connections to "stays" and to "refused" (a newcomer whose offer came ahead of its
        // join, withdrawn while this socket was down) resumes: the room has only "stays".
        Map<String, Object> result = inWebClientModule("""
                const c = new m.IcemeshClient({ token: 'unused', iceServers: [] });
                c.mode = 'p2p';
                const closed = [];
                const left = [];
                c.addEventListener('peer-left', (e) => left.push(e.detail.peerId));
                for (const id of ['stays', 'refused']) {
                  c.links.set(id, { close: () => closed.push(id) });
                }
                await c.onMessage({ type: 'resumed', room: 'r', mode: 'p2p', peerId: 'me', sessionId: 's',
                  peers: [{ peerId: 'stays', user: 'u' }], iceServers: [], iceServersTtl: 600 });
                c.closed = true;
                clearTimeout(c.iceRefreshTimer);
                done({ links: [...c.links.keys()], closed, left });
                """);
        assertEquals(List.of("stays"), result.get("links"));
        assertEquals(List.of("refused"), result.get("closed"));
        assertEquals(List.of("refused"), result.get("left"));
    }

    @Test
    void theCandidatesOfADescriptionAreReadWithTheirSection() throws Exception {
        // Chromium writes a section's candidates before its a=mid.
        Map<String, Object> result = inWebClientModule("""
                const sdp = ['v=0', 's=-', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0',
                  'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', 'a=ice-ufrag:x', 'a=mid:0',
                  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1',
                  'a=candidate:2 1 udp 41885439 127.0.0.1 50001 typ relay raddr 0.0.0.0 rport 0', ''].join('\\r\\n');
                done({ all: m.candidatesIn(sdp), none: m.candidatesIn('v=0\\r\\n').length,
                  empty: m.candidatesIn(null).length });
                """);
        assertEquals(List.of(
                Map.of("candidate", "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdpMid", "0",
                        "sdpMLineIndex", 0L),
                Map.of("candidate", "candidate:2 1 udp 41885439 127.0.0.1 50001 typ relay raddr 0.0.0.0 rport 0",
                        "sdpMid", "1", "sdpMLineIndex", 1L)), result.get("all"));
        assertEquals(0L, result.get("none"));
        assertEquals(0L, result.get("empty"));
    }

    @Test
    void theStartBitrateIsAddedToEachVideoCodecOfARemoteDescription() throws Exception {
        Map<String, Object> result = inWebClientModule("""
                const sdp = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0',
                  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10',
                  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack',
                  'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96', 'a=rtpmap:98 H264/90000',
                  'a=fmtp:98 packetization-mode=1', 'a=rtpmap:99 VP9/90000',
                  'a=fmtp:99 profile-id=0;x-google-start-bitrate=2000', ''].join('\\r\\n');
                const out = m.withStartBitrate(sdp, 1000);
                done({ out, again: m.withStartBitrate(out, 1000) === out, off: m.withStartBitrate(sdp, 0) === sdp,
                  dflt: m.DEFAULT_START_BITRATE_KBPS });
                """);
        String out = (String) result.get("out");
        List<String> lines = List.of(out.split("\r\n"));
        assertEquals(List.of("v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10",
                "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99", "a=rtpmap:96 VP8/90000",
                "a=fmtp:96 x-google-start-bitrate=1000", "a=rtcp-fb:96 nack", "a=rtpmap:97 rtx/90000",
                "a=fmtp:97 apt=96", "a=rtpmap:98 H264/90000",
                "a=fmtp:98 packetization-mode=1;x-google-start-bitrate=1000", "a=rtpmap:99 VP9/90000",
                "a=fmtp:99 profile-id=0;x-google-start-bitrate=2000"), lines,
                "VP8 gets an fmtp line, H264 the parameter on its own, VP9 keeps the one it has; audio and RTX as"
                        + " they were");
        assertTrue(out.endsWith("\r\n"), "the description still ends with CRLF");
        assertEquals(true, result.get("again"), "adding it twice changes nothing");
        assertEquals(true, result.get("off"), "0 leaves the description as it is");
        assertEquals(1000L, ((Number) result.get("dflt")).longValue());
    }

    @Test
    void anIceRestartThroughSignalingReconnectsWithoutEndingTheCall() throws Exception {
        String room = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        String url = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/?room=" + room;
        try (Browser a = new Browser(); Browser b = new Browser()) {
            for (Browser page : List.of(a, b)) {
                page.driver.get(url);
                page.driver.findElement(By.id("join-button")).click();
            }
            for (Browser page : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(page.framesDecoded() > 0));
            }
            String ufrag = "return [...window.icemeshClient.links.values()][0].pc.localDescription.sdp"
                    + ".match(/a=ice-ufrag:(\\S+)/)[1]";
            String before = (String) a.js(ufrag);
            // The client asks for fresh TURN credentials at half their lifetime (here made 2.2 s, so the next
            // second's expiry gives a new username), and an ICE restart gathers with them: a restart long into a
            // call must not use the credentials it started with, which have expired by then.
            String turnUser = "return window.icemeshClient.iceServers.find((s) => s.username).username";
            String userBefore = (String) a.js(turnUser);
            a.js("window.icemeshClient.refreshIceServersIn(2.2)");
            await().atMost(Duration.ofSeconds(10)).until(() -> !userBefore.equals(a.js(turnUser)));
            String fresh = (String) a.js(turnUser);
            long framesBefore = b.framesDecoded();
            a.js("[...window.icemeshClient.links.values()][0].restart('test')");
            assertEquals(fresh, a.js("return [...window.icemeshClient.links.values()][0].pc.getConfiguration()"
                    + ".iceServers.find((s) => s.username).username"),
                    "the restart gathers with the fresh credentials");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertTrue(!before.equals(a.js(ufrag)), "the restart renegotiated new ICE credentials");
                assertEquals("connected", b.js("return [...window.icemeshClient.links.values()][0].pc"
                        + ".iceConnectionState"), "the other side reconnected");
                assertTrue(b.framesDecoded() > framesBefore + 30, "video kept flowing after the restart");
            });
            assertEquals(1L, ((Number) a.js("return Object.values(window.icemeshStats)[0].restarts")).longValue());
        }
    }

    @Test
    void theWebClientChecksRoomAndNameAndJoinsFromALink() throws Exception {
        String room = "link-" + UUID.randomUUID().toString().substring(0, 8);
        String base = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/";
        try (Browser page = new Browser()) {
            page.driver.get(base);
            String valid = "const f = document.getElementById(arguments[0]); f.value = arguments[1];"
                    + " return f.checkValidity();";
            assertEquals(Boolean.FALSE, page.js(valid, "room", "bad room!"), "a room with a space and ! is refused");
            assertEquals(Boolean.FALSE, page.js(valid, "user", "a/b"), "a name with a slash is refused");
            assertEquals(Boolean.TRUE, page.js(valid, "room", "good-room_1.x"), "letters, digits, . _ - pass");

            page.driver.get(base + "?room=" + room + "&user=kiosk&join=1");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(Boolean.TRUE,
                    page.js("return window.icemeshClient != null && !document.getElementById('leave-button').disabled"),
                    "joined from the link without a click; status: "
                            + page.driver.findElement(By.id("status")).getText()));
        }
        var icon = mesh.get("signaling", "/favicon.ico");
        assertEquals(200, icon.statusCode(), "/favicon.ico exists");
    }

    /** Runs a two-page call; returns page A's timeline of its connection to B. */
    private Map<String, Object> call(boolean relay) throws Exception {
        Map<String, Object> timeline = WebClientCall.run("http://127.0.0.1:" + mesh.ports.get("signaling"), relay);
        record(relay ? "relay" : "host", timeline);
        return timeline;
    }

    /** monitor's timeline of a session (GET /api/sessions/{id} answers 200). */
    private com.fasterxml.jackson.databind.JsonNode monitorTimeline(String session) throws Exception {
        var reply = mesh.get("monitor", "/api/sessions/" + session);
        assertEquals(200, reply.statusCode(), reply.body());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(reply.body()).get("timeline");
    }

    private double turnAllocations() {
        Matcher m = Pattern.compile("(?m)^icemesh_turn_allocations_created_total(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(mesh.get("turn", "/q/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private double monitorCount(String type) {
        Matcher m = Pattern.compile("(?m)^icemesh_monitor_session_events_total\\{type=\"" + type + "\"\\} (\\S+)$")
                .matcher(mesh.get("monitor", "/q/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * Runs {@code body} in a page of the web client, inside an async function that has the client's module as
     * {@code m} and calls {@code done(result)}; returns that result after checking that nothing threw.
     */
    private Map<String, Object> inWebClientModule(String body) throws Exception {
        try (Browser page = new Browser()) {
            page.driver.get("http://127.0.0.1:" + mesh.ports.get("signaling") + "/?prepare=0");
            Object r = page.async("const done = arguments[arguments.length - 1];\n"
                    + "import('/icemesh.js').then(async (m) => {\n" + body + "}).catch((e) => done({ error: String(e) }));");
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) r;
            assertEquals(null, result.get("error"));
            return result;
        }
    }

    /** Writes the timing to target/call-timings.txt and the test log: what the issue asks the test to report. */
    private static void record(String mode, Map<String, Object> t) throws Exception {
        String line = String.format("chromium %s call: connected %s ms, first frame %s ms, pair %s/%s %s, rtt %s ms%n",
                mode, t.get("connectedMs"), t.get("firstFrameMs"), t.get("localType"), t.get("remoteType"),
                t.get("protocol"), t.get("rttMs"));
        System.out.print(line);
        Files.writeString(Path.of("target", "call-timings.txt"), line, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
