package io.icemesh.mesh;

import static io.icemesh.mesh.Benches.median;
import static io.icemesh.mesh.Benches.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.testkit.Browser;
import io.icemesh.testkit.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Benchmark, not a test (issue #14's first step, "instrument first"): where a P2P call through the web client spends
 * its time from the newcomer's Join click to its first presented remote frame, stage by stage, beside the floor of
 * the same browser in the same run: two RTCPeerConnections in one page, signalled in memory, to their first
 * presented frame (host pairs; relay-only through turn-service with the list `/api/ice-servers` hands out).
 *
 * <p>Stages are the web client's marks ({@code window.icemeshMarks()}: click, camera, token, socket open, joined,
 * offer sent, answer received, first local candidate, ICE checking and connected, DTLS connected, track, first frame
 * by {@code requestVideoFrameCallback}, and by the 250 ms stats poll) in ms since the click; the answering page's own
 * offer-to-answer time is its column. Medians of the runs after one warm-up call per mode. Run it on a quiet machine:
 *
 *   ./mvnw -q install -DskipTests
 *   ./mvnw -q -pl mesh-tests test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
 *       -Dexec.classpathScope=test -Dexec.mainClass=io.icemesh.mesh.TimeToMediaBench -Dexec.args="7"
 */
public final class TimeToMediaBench {

    /** The aiortc newcomer's marks (examples/aiortc/icemesh_client.py, ms since it started, before its token). */
    static final List<String> AIORTC_STAGES = List.of("token", "socket-open", "joined", "gathered",
            "offer-sent", "offer-received", "answer-sent", "answer-received", "ice-checking", "ice-completed",
            "dtls-connected", "first-frame");

    /** aiortc calls before the measured ones, on the freshly started mesh. */
    static final int AIORTC_WARM_UP_CALLS = 5;

    /**
     * Web client calls before each browser mode's measured ones (-Dttm.warmup, default 1): the mesh has just started,
     * and its JVMs and broker compile their hot paths during the first calls, on the same two cores as the browsers.
     */
    static final int WARM_UP_CALLS = Integer.getInteger("ttm.warmup", 1);

    /**
     * Calls the mesh carries in two browsers of their own before aiortc and the measured browsers start
     * (-Dttm.meshWarmup, default 0): what a warm mesh does for clients that are not.
     */
    static final int MESH_WARM_UP_CALLS = Integer.getInteger("ttm.meshWarmup", 0);

    /**
     * A service restarted after the mesh's warm-up calls (-Dttm.restart, e.g. signaling; none by default): which
     * process's warmth the measured calls depend on.
     */
    static final String RESTART = System.getProperty("ttm.restart", "");

    /**
     * -Dttm.answererMarks=true prints, for each web client call, the answering page's marks in ms since the
     * newcomer's offer reached it (remote offer applied, answer made, sent and applied, its ICE and DTLS).
     */
    static final boolean ANSWERER_MARKS = Boolean.getBoolean("ttm.answererMarks");

    /**
     * -Dttm.altParams=name=value[&...]: every other measured web client call gets these page parameters too (e.g.
     * start-bitrate=2500), and their medians are printed beside the plain calls' (which alone make the stage table):
     * two ways compared on one mesh, call by call.
     */
    static final String ALT_PARAMS = System.getProperty("ttm.altParams", "");

    /** The newcomer's marks, in the order a call passes them. */
    static final List<String> STAGES = List.of("camera", "token", "socket-open", "joined", "link-made",
            "negotiation-needed", "offer-applied", "offer-sent",
            "candidate-host", "answer-received", "track", "answer-applied-remote", "remote-candidate", "ice-checking",
            "ice-connected", "dtls-connected", "first-frame-received", "first-frame-presented", "first-frame",
            "first-frame-stats");

    /**
     * What to run: aiortc, host, relay (comma-separated; all by default), e.g. -Dttm.modes=host to look at one;
     * two-browser adds a floor with two browsers to each host and relay run ({@link #twoBrowserFloor}).
     */
    static final List<String> MODES = List.of(System.getProperty("ttm.modes", "aiortc,host,relay").split(","));

    /**
     * The floor's video start bitrate, the web client's (DEFAULT_START_BITRATE_KBPS in icemesh.js) unless
     * -Dfloor.startBitrate says otherwise: the floor is what the same browser does with the same settings.
     */
    static final int FLOOR_START_BITRATE_KBPS = Integer.getInteger("floor.startBitrate", 1000);

    private TimeToMediaBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        Map<String, Map<String, List<Double>>> byMode = new LinkedHashMap<>();
        Map<String, List<Double>> floors = new LinkedHashMap<>();
        Map<String, List<Double>> alt = new LinkedHashMap<>();
        Map<String, List<Double>> altFloors = new LinkedHashMap<>();
        Map<String, List<Double>> answering = new LinkedHashMap<>();
        Map<String, List<Double>> answeringLink = new LinkedHashMap<>();
        Map<String, List<Double>> offerHops = new LinkedHashMap<>();
        Map<String, List<Double>> answerHops = new LinkedHashMap<>();
        Map<String, List<Double>> twoBrowser = new LinkedHashMap<>();
        Map<String, List<Double>> aiortc = new LinkedHashMap<>();
        Map<String, List<Double>> aiortcAnswering = new LinkedHashMap<>();
        try (Mesh mesh = new Mesh()) {
            Mesh.Result up = mesh.upWithLoopbackRelay();
            if (up.exitCode() != 0) {
                throw new IllegalStateException(up.output());
            }
            String base = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/";
            if (MESH_WARM_UP_CALLS > 0) {
                // The mesh carries calls in two browsers of their own, closed before aiortc and the measured browsers
                // start: a warm mesh with cold clients.
                try (Browser x = new Browser(); Browser y = new Browser()) {
                    for (int i = 0; i < MESH_WARM_UP_CALLS; i++) {
                        call(base, x, y, false);
                    }
                }
            }
            if (!RESTART.isEmpty()) {
                Mesh.Result r = mesh.run(Map.of("ICEMESH_TURN_ALLOW_LOOPBACK_PEERS", "true"), "restart", RESTART);
                if (r.exitCode() != 0) {
                    throw new IllegalStateException("restart " + RESTART + " failed: " + r.output());
                }
                System.out.println("restarted " + RESTART + " after the mesh's warm-up calls");
            }
            // aiortc first, before the browsers start: two Chromium processes with a fake camera each would take
            // CPU from the two Python clients. Warm-up calls first, not counted: the mesh has just started, and its
            // JIT has not yet compiled the join, relay and allocation paths.
            for (int i = 0; i < (MODES.contains("aiortc") ? AIORTC_WARM_UP_CALLS : 0); i++) {
                aiortcCall(mesh);
            }
            for (int i = 0; i < (MODES.contains("aiortc") ? runs : 0); i++) {
                AiortcCall c = aiortcCall(mesh);
                System.out.printf("aiortc run %d: first frame %.0f ms after its start (joined %.0f, offer sent %.0f,"
                        + " answer received %.0f, ICE completed %.0f, DTLS connected %.0f); answering client %.0f ms"
                        + " from offer to answer%n", i + 1, c.marks.get("first-frame"), c.marks.get("joined"),
                        c.marks.get("offer-sent"), c.marks.get("answer-received"), c.marks.get("ice-completed"),
                        c.marks.get("dtls-connected"), c.answeringMs);
                c.marks.forEach((k, v) -> aiortc.computeIfAbsent(k, s -> new ArrayList<>()).add(v));
                c.answering.forEach((k, v) -> aiortcAnswering.computeIfAbsent(k, s -> new ArrayList<>()).add(v));
            }
            try (Browser a = new Browser(); Browser b = new Browser();
                    ExternalProcess wsRelay = MODES.contains("two-browser") ? startWsRelay() : null) {
                // The floor at Chromium's own start bitrate (300 kbps) and at higher ones, alternated: what the web
                // client's start bitrate (DEFAULT_START_BITRATE_KBPS in icemesh.js) takes off the first frame.
                if (MODES.contains("start-bitrate")) {
                    floor(base, b, false, true, 0);
                    Map<Integer, List<Double>> bySb = new LinkedHashMap<>();
                    for (int i = 0; i < runs; i++) {
                        for (int sb : new int[] {0, 1000, 2500}) {
                            bySb.computeIfAbsent(sb, k -> new ArrayList<>()).add(floor(base, b, false, true, sb));
                        }
                    }
                    bySb.forEach((sb, v) -> System.out.printf("floor with start bitrate %s: median %.0f ms, runs %s%n",
                            sb == 0 ? "300 kbps (Chromium's own)" : sb + " kbps", median(v), v));
                }
                for (String mode : List.of("host", "relay")) {
                    if (!MODES.contains(mode)) {
                        continue;
                    }
                    boolean relay = mode.equals("relay");
                    for (int i = 0; i < WARM_UP_CALLS; i++) {
                        call(base, a, b, relay); // warm-up, not counted
                    }
                    floor(base, b, relay);
                    boolean alternating = !ALT_PARAMS.isEmpty();
                    for (int i = 0; i < runs * (alternating ? 2 : 1); i++) {
                        // With -Dttm.altParams every other call is the same call with the pages' extra parameters.
                        boolean altCall = alternating && i % 2 == 1;
                        int run = alternating ? i / 2 + 1 : i + 1;
                        Call c = call(base, a, b, relay, altCall ? "&" + ALT_PARAMS : "");
                        double f = floor(base, b, relay);
                        if (altCall) {
                            System.out.printf("%s run %d with %s: first frame %.0f ms after the click (answer received"
                                    + " %.0f, answering %.0f, DTLS connected %.0f), floor %.0f ms%n", mode, run,
                                    ALT_PARAMS, c.marks.get("first-frame"), c.marks.get("answer-received"), c.answerMs,
                                    c.marks.getOrDefault("dtls-connected", Double.NaN), f);
                            alt.computeIfAbsent(mode, m -> new ArrayList<>()).add(c.marks.get("first-frame"));
                            altFloors.computeIfAbsent(mode, m -> new ArrayList<>()).add(f);
                            continue;
                        }
                        if (wsRelay != null) {
                            double two = twoBrowserFloor(base, a, b, relay);
                            twoBrowser.computeIfAbsent(mode, m -> new ArrayList<>()).add(two);
                            System.out.printf("%s run %d: two-browser floor %.0f ms%n", mode, i + 1, two);
                        }
                        System.out.printf("%s run %d: first frame %.0f ms after the click (camera %.0f, offer sent"
                                + " %.0f, offer hop %.0f, answering %.0f, answer hop %.0f, answer received %.0f,"
                                + " answering page's first %s candidate %.0f ms after its answer, remote candidate"
                                + " %.0f; ICE connected %.0f, DTLS connected %.0f, answering page's %.0f, frame"
                                + " received %.0f, presented %.0f), floor %.0f ms%n", mode, run,
                                c.marks.get("first-frame"),
                                c.marks.get("camera"), c.marks.get("offer-sent"), c.offerHopMs, c.answerMs,
                                c.answerHopMs, c.marks.get("answer-received"), relay ? "relay" : "host",
                                c.candidateMs, c.marks.getOrDefault("remote-candidate", Double.NaN),
                                c.marks.getOrDefault("ice-connected", Double.NaN),
                                c.marks.getOrDefault("dtls-connected", Double.NaN), c.answererDtlsMs,
                                c.marks.getOrDefault("first-frame-received", Double.NaN),
                                c.marks.getOrDefault("first-frame-presented", Double.NaN), f);
                        c.marks.forEach((k, v) -> byMode.computeIfAbsent(mode, m -> new LinkedHashMap<>())
                                .computeIfAbsent(k, s -> new ArrayList<>()).add(v));
                        answering.computeIfAbsent(mode, m -> new ArrayList<>()).add(c.answerMs);
                        answeringLink.computeIfAbsent(mode, m -> new ArrayList<>()).add(c.linkMs);
                        offerHops.computeIfAbsent(mode, m -> new ArrayList<>()).add(c.offerHopMs);
                        answerHops.computeIfAbsent(mode, m -> new ArrayList<>()).add(c.answerHopMs);
                        floors.computeIfAbsent(mode, m -> new ArrayList<>()).add(f);
                    }
                }
            }
            // How many relayed messages went early (straight to a socket on the same instance, not waiting for the
            // room log): about six per call (offer, answer, candidates) when early relay works.
            String metrics = new String(java.net.URI.create("http://127.0.0.1:" + mesh.ports.get("signaling")
                    + "/q/metrics").toURL().openStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            metrics.lines().filter(l -> !l.startsWith("#") && l.contains("relays_early"))
                    .forEach(l -> System.out.println("signaling: " + l));
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("load average before: %s; after: %s; %d runs per mode%n%n", loadBefore, loadAfter, runs);
        System.out.println("| stage (ms since the newcomer's Join click, median) | P2P host | P2P relay-only |");
        System.out.println("|---|---|---|");
        for (String stage : STAGES) {
            System.out.printf("| %s | %s | %s |%n", stage, cell(byMode, "host", stage), cell(byMode, "relay", stage));
        }
        System.out.printf("| offer: newcomer sent to answering page received (signaling) | %.0f | %.0f |%n",
                median(offerHops.get("host")), median(offerHops.get("relay")));
        System.out.printf("| answering page: offer received to answer sent | %.0f | %.0f |%n",
                median(answering.get("host")), median(answering.get("relay")));
        System.out.printf("| of which: its connection to the newcomer made (offer received to offer handled) | %.0f |"
                + " %.0f |%n", median(answeringLink.get("host")), median(answeringLink.get("relay")));
        System.out.printf("| answer: answering page sent to newcomer received (signaling) | %.0f | %.0f |%n",
                median(answerHops.get("host")), median(answerHops.get("relay")));
        System.out.printf("| floor: two PeerConnections in one page, start to first frame | %.0f | %.0f |%n",
                median(floors.get("host")), median(floors.get("relay")));
        if (!twoBrowser.isEmpty()) {
            System.out.printf("| floor: two browsers, a trivial WebSocket relay between them | %.0f | %.0f |%n",
                    median(twoBrowser.get("host")), median(twoBrowser.get("relay")));
        }
        for (String mode : List.of("host", "relay")) {
            if (!byMode.containsKey(mode)) {
                continue;
            }
            List<Double> frame = byMode.get(mode).get("first-frame");
            double web = median(frame);
            double fl = median(floors.get(mode));
            System.out.printf("%s: click to first frame %.0f ms, floor %.0f ms: %.2fx%n", mode, web, fl, web / fl);
            if (alt.containsKey(mode)) {
                double w = median(alt.get(mode));
                double f = median(altFloors.get(mode));
                System.out.printf("%s with %s: click to first frame %.0f ms, floor %.0f ms: %.2fx (%d calls, alternated"
                        + " with the %d above)%n", mode, ALT_PARAMS, w, f, w / f, alt.get(mode).size(), frame.size());
            }
            if (twoBrowser.containsKey(mode)) {
                double two = median(twoBrowser.get(mode));
                System.out.printf("%s: two-browser floor %.0f ms (%.2fx the in-page floor); the web client %.2fx it%n",
                        mode, two, two / fl, web / two);
            }
        }
        System.out.println();
        System.out.println("| aiortc stage (ms since the client started, median) | newcomer (offers) | answering client"
                + " (ms since it received the offer) |");
        System.out.println("|---|---|---|");
        for (String stage : AIORTC_STAGES) {
            List<Double> v = aiortc.get(stage);
            List<Double> w = aiortcAnswering.get(stage);
            System.out.printf("| %s | %s | %s |%n", stage, v == null ? "-" : String.format("%.0f", median(v)),
                    w == null ? "-" : String.format("%.0f", median(w)));
        }
        System.out.printf("aiortc: start to first frame %.0f ms (goal <= 100 ms)%n", median(aiortc.get("first-frame")));
    }

    /** The aiortc newcomer's marks since it started; the answering client's marks since it received the offer. */
    private record AiortcCall(Map<String, Double> marks, Map<String, Double> answering, double answeringMs) {
    }

    /**
     * One call between two aiortc clients (examples/aiortc/icemesh_client.py, host candidates on loopback): a waits
     * in a new room, b joins, offers and leaves at its first decoded frame.
     */
    private static AiortcCall aiortcCall(Mesh mesh) throws Exception {
        int port = mesh.ports.get("signaling");
        String room = "ttm-" + UUID.randomUUID().toString().substring(0, 8);
        try (Aiortc a = Aiortc.start(mesh.root, port, "--room", room, "--user", "a", "--duration", "60")) {
            waitFor(a::joined, 20);
            JsonNode b = Aiortc.run(mesh.root, port, "--room", room, "--user", "b", "--duration", "60",
                    "--exit-on-frame");
            JsonNode first = a.stop();
            Map<String, Double> marks = marks(b.get("marks"), 0);
            if (!marks.containsKey("first-frame")) {
                throw new IllegalStateException("aiortc newcomer saw no frame: " + b);
            }
            JsonNode aMarks = first.get("marks");
            Map<String, Double> answering = marks(aMarks, aMarks.get("offer-received").asDouble());
            return new AiortcCall(marks, answering, answering.get("answer-sent"));
        }
    }

    private static Map<String, Double> marks(JsonNode node, double since) {
        Map<String, Double> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble() - since));
        return out;
    }

    private static String cell(Map<String, Map<String, List<Double>>> byMode, String mode, String stage) {
        List<Double> v = byMode.getOrDefault(mode, Map.of()).get(stage);
        return v == null || v.isEmpty() ? "-" : String.format("%.0f", median(v));
    }

    /** The newcomer's marks since its click; the answering page's offer-to-answer time; the two signaling hops. */
    private record Call(Map<String, Double> marks, double answerMs, double linkMs, double offerHopMs,
            double answerHopMs, double candidateMs, double answererDtlsMs) {
    }

    /** A call without extra page parameters. */
    private static Call call(String base, Browser a, Browser b, boolean relay) {
        return call(base, a, b, relay, "");
    }

    /**
     * One call: page a waits in a new room, page b joins; b's marks since its click, a's offer-to-answer time.
     * {@code extra}: more query parameters for both pages ("" or "&name=value...").
     */
    private static Call call(String base, Browser a, Browser b, boolean relay, String extra) {
        String room = "ttm-" + UUID.randomUUID().toString().substring(0, 8);
        String url = base + "?room=" + room + (relay ? "&relay=1" : "") + extra;
        Benches.firstThenNewcomer(a, b, url);
        waitFor(() -> b.js("const m = window.icemeshMarks(); return m['first-frame'] && m['first-frame-stats']")
                != null, 60);
        @SuppressWarnings("unchecked")
        Map<String, Number> raw = (Map<String, Number>) b.js("return window.icemeshMarks()");
        double click = raw.get("click").doubleValue();
        Map<String, Double> marks = new LinkedHashMap<>();
        raw.forEach((k, v) -> marks.put(k, v.doubleValue() - click));
        @SuppressWarnings("unchecked")
        Map<String, Number> answerer = (Map<String, Number>) a.js("return window.icemeshMarks()");
        // The hops end when the message reached the other page (message-*), before it handles it.
        double answerMs = answerer.get("answer-sent").doubleValue() - answerer.get("message-offer").doubleValue();
        // One machine, one wall clock: each page's marks plus its time origin put both pages on the same axis.
        double originA = ((Number) a.js("return performance.timeOrigin")).doubleValue();
        double originB = ((Number) b.js("return performance.timeOrigin")).doubleValue();
        double offerHop = originA + answerer.get("message-offer").doubleValue()
                - (originB + raw.get("offer-sent").doubleValue());
        double answerHop = originB + raw.get("message-answer").doubleValue()
                - (originA + answerer.get("answer-sent").doubleValue());
        if (relay) {
            Object pair = b.js("return Object.values(window.icemeshStats)[0].localType");
            if (!"relay".equals(pair)) {
                throw new IllegalStateException("relay run used a " + pair + " pair");
            }
        }
        double linkMs = answerer.get("offer-received").doubleValue() - answerer.get("message-offer").doubleValue();
        // The answering page's own candidate of the type the call needs (relay-only: relay), after its answer.
        Number candidate = answerer.get(relay ? "candidate-relay" : "candidate-host");
        double candidateMs = candidate == null ? Double.NaN
                : candidate.doubleValue() - answerer.get("answer-sent").doubleValue();
        // When the answering page's DTLS completed, on the newcomer's axis (it sends media from then on).
        Number answererDtls = answerer.get("dtls-connected");
        double answererDtlsMs = answererDtls == null ? Double.NaN
                : originA + answererDtls.doubleValue() - (originB + click);
        if (ANSWERER_MARKS) {
            // The answering page's own steps, in ms since the offer's message reached it.
            double since = answerer.get("message-offer").doubleValue();
            StringBuilder line = new StringBuilder("answering page's marks since the offer:");
            answerer.entrySet().stream().filter(e -> e.getValue().doubleValue() >= since)
                    .sorted(java.util.Comparator.comparingDouble(e -> e.getValue().doubleValue()))
                    .forEach(e -> line.append(String.format(" %s %.0f,", e.getKey(),
                            e.getValue().doubleValue() - since)));
            System.out.println(line);
        }
        return new Call(marks, answerMs, linkMs, offerHop, answerHop, candidateMs, answererDtlsMs);
    }

    /** The two-browser floor's signaling: every message to every other socket, nothing else (python3-websockets). */
    private static final String WS_RELAY = """
            import asyncio, sys, websockets
            clients = set()
            async def handler(ws, path=None):
                clients.add(ws)
                try:
                    async for msg in ws:
                        for c in list(clients):
                            if c is not ws:
                                try:
                                    await c.send(msg)
                                except websockets.exceptions.ConnectionClosed:
                                    pass
                finally:
                    clients.discard(ws)
            async def main():
                async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1])):
                    print("READY", flush=True)
                    await asyncio.Future()
            asyncio.run(main())
            """;

    private static int wsRelayPort;

    /**
     * What both floors' pages do alike, defined inside their async function: the web client's module {@code m} (its
     * ICE list calls and withStartBitrate, loaded before the clock), {@code floorList} (no list unless asked; with
     * {@code udpOnly} only its STUN and TURN-over-UDP URLs, as the web client starts), {@code firstFrame} (a video
     * element showing a connection's first remote video track, and when its first frame was presented, in ms since
     * {@code t0}), {@code selectedLocal} (the type and relay protocol of the selected pair's local candidate).
     */
    private static final String FLOOR_HELPERS = """
                  const m = await import('/icemesh.js');
                  const floorList = async (wanted, udpOnly, room) => {
                    if (!wanted) return [];
                    const { token } = await m.fetchDevToken(location.href, room + '-' + Math.random(), room, 'p2p');
                    const list = (await m.fetchIceServers(location.href, token)).iceServers;
                    return !udpOnly ? list : list.map((s) => ({ ...s, urls: [].concat(s.urls).filter((u) =>
                      u.startsWith('stun:') || (u.startsWith('turn:') && u.includes('transport=udp'))) }))
                      .filter((s) => s.urls.length);
                  };
                  const firstFrame = (pc, t0) => {
                    const v = document.createElement('video');
                    v.muted = true; v.autoplay = true; v.playsInline = true;
                    document.body.appendChild(v);
                    const frame = new Promise((resolve) => {
                      pc.ontrack = (e) => {
                        if (e.track.kind !== 'video') return;
                        v.srcObject = e.streams[0];
                        v.requestVideoFrameCallback(() => resolve(performance.now() - t0));
                        v.play().catch(() => {});
                      };
                    });
                    return { v, frame };
                  };
                  const selectedLocal = async (pc) => {
                    let local = null;
                    const stats = await pc.getStats();
                    stats.forEach((s) => {
                      if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
                      const pair = stats.get(s.selectedCandidatePairId);
                      local = pair ? stats.get(pair.localCandidateId) || null : null;
                    });
                    return { type: local ? local.candidateType : null, proto: local ? local.relayProtocol : null };
                  };
            """;

    /** A floor page's result ({ms, type, ...}), after its error and, relay-only, the pair it used are checked. */
    private static Map<String, Object> floorResult(Object r, boolean relay, String floor) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) r;
        if (result.get("error") != null) {
            throw new IllegalStateException(floor + ": " + result.get("error"));
        }
        if (relay && !"relay".equals(result.get("type"))) {
            throw new IllegalStateException("relay " + floor + " used a " + result.get("type") + " pair");
        }
        return result;
    }

    /**
     * -Dfloor2.servers: the two-browser floor's host calls gather with the list the web client gets (its STUN and
     * TURN-over-UDP URLs) instead of none, as the web client's own host calls do.
     */
    static final boolean TWO_BROWSER_SERVERS = Boolean.getBoolean("floor2.servers");

    /**
     * -Dfloor2.early: the two-browser floor's answering page makes its connection (tracks added) as soon as it is
     * ready, before the offer comes, as the web client's answering page does when a peer joins.
     */
    static final boolean TWO_BROWSER_EARLY = Boolean.getBoolean("floor2.early");

    /**
     * -Dfloor2.gathered: the two-browser floor's offering page sends its offer once its candidates are gathered, so
     * that they are in the offer the answering page applies, as in the web client's offer made ahead of the click
     * (the floor's own figure then includes that wait; its answering page's steps are what this is for).
     */
    static final boolean TWO_BROWSER_GATHERED = Boolean.getBoolean("floor2.gathered");

    private static ExternalProcess startWsRelay() throws Exception {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            wsRelayPort = probe.getLocalPort();
        }
        Path script = Files.createTempFile("ws-relay-", ".py");
        Files.writeString(script, WS_RELAY);
        Path out = Files.createTempFile("ws-relay-", ".out");
        ExternalProcess p = ExternalProcess.start(List.of(Aiortc.PYTHON, script.toString(),
                Integer.toString(wsRelayPort)), Map.of(), Path.of("").toAbsolutePath(), out, out);
        waitFor(() -> Files.readString(out).contains("READY"), 20);
        return p;
    }

    /**
     * A floor with two browsers, as a call has them: page {@code a} answers, page {@code b} offers and measures from
     * making its connection (camera and socket already open) to its first presented frame of a's camera. Both send
     * their camera at the web client's start bitrate; the descriptions and candidates go through a WebSocket relay
     * that does nothing else ({@link #WS_RELAY}). What separates it from the in-page floor is two browser processes
     * on the same cores and a socket hop each way; what separates the web client from it is icemesh's signaling and
     * the web client's own work.
     */
    static double twoBrowserFloor(String base, Browser a, Browser b, boolean relay) {
        String common = FLOOR_HELPERS + """
                const iceServers = await floorList(relay || withServers, true, 'floor2');
                const cfg = { iceServers, iceTransportPolicy: relay ? 'relay' : 'all', bundlePolicy: 'max-bundle' };
                const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
                const ws = new WebSocket('ws://127.0.0.1:' + port);
                await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
                const send = (msg) => ws.send(JSON.stringify(msg));
                let pc = null;
                const pending = [];
                const feed = (c) => { if (pc && pc.remoteDescription) pc.addIceCandidate(c).catch(() => {});
                  else pending.push(c); };
                const flush = () => pending.splice(0).forEach((c) => pc.addIceCandidate(c).catch(() => {}));
                const makePc = () => {
                  pc = new RTCPeerConnection(cfg);
                  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
                  pc.onicecandidate = (e) => { if (e.candidate) send({ candidate: e.candidate.toJSON() }); };
                };
                const end = () => { if (pc) pc.close(); stream.getTracks().forEach((t) => t.stop()); ws.close(); };
                """;
        b.driver.get(base + "?prepare=0");
        a.driver.get(base + "?prepare=0");
        Object ready = a.async("""
                const done = arguments[arguments.length - 1];
                const [relay, port, sb, withServers, early] = arguments;
                (async () => {
                """ + common + """
                  if (early) makePc();
                  ws.onmessage = async (e) => {
                    const msg = JSON.parse(e.data);
                    if (msg.offer) {
                      const at = performance.now();
                      if (!early) makePc();
                      const made = performance.now();
                      await pc.setRemoteDescription({ type: 'offer', sdp: m.withStartBitrate(msg.offer, sb) });
                      const applied = performance.now();
                      flush();
                      await pc.setLocalDescription();
                      // Its own steps go with the answer, for the offering page to print (ms).
                      send({ answer: pc.localDescription.sdp, steps: { make: made - at, remoteOffer: applied - made,
                        answer: performance.now() - applied } });
                    } else if (msg.candidate) {
                      feed(msg.candidate);
                    } else if (msg.bye) {
                      end();
                    }
                  };
                  done('ready');
                })().catch((e) => done(String(e)));
                """, relay, wsRelayPort, FLOOR_START_BITRATE_KBPS, TWO_BROWSER_SERVERS, TWO_BROWSER_EARLY);
        if (!"ready".equals(ready)) {
            throw new IllegalStateException("two-browser floor, answering page: " + ready);
        }
        Object r = b.async("""
                const done = arguments[arguments.length - 1];
                const [relay, port, sb, withServers, gathered] = arguments;
                (async () => {
                """ + common + """
                  const t0 = performance.now();
                  makePc();
                  const { v, frame } = firstFrame(pc, t0);
                  // Its marks in ms since t0, and the answering page's own steps.
                  const marks = {};
                  let steps = null;
                  const mark = (k) => { if (!(k in marks)) marks[k] = Math.round(performance.now() - t0); };
                  pc.onconnectionstatechange = () => { if (pc.connectionState === 'connected') mark('dtls'); };
                  ws.onmessage = async (e) => {
                    const msg = JSON.parse(e.data);
                    if (msg.answer) {
                      mark('answer');
                      steps = msg.steps;
                      await pc.setRemoteDescription({ type: 'answer', sdp: m.withStartBitrate(msg.answer, sb) });
                      mark('answerApplied');
                      flush();
                    } else if (msg.candidate) {
                      mark('candidate');
                      feed(msg.candidate);
                    }
                  };
                  await pc.setLocalDescription();
                  if (gathered && pc.iceGatheringState !== 'complete') {
                    await new Promise((resolve) => {
                      pc.addEventListener('icegatheringstatechange', () => {
                        if (pc.iceGatheringState === 'complete') resolve();
                      });
                      setTimeout(resolve, 2000);
                    });
                  }
                  send({ offer: pc.localDescription.sdp });
                  mark('offerSent');
                  const ms = await frame;
                  const { type } = await selectedLocal(pc);
                  send({ bye: true });
                  end();
                  v.remove();
                  done({ ms, type, marks, steps });
                })().catch((e) => done({ error: String(e) }));
                """, relay, wsRelayPort, FLOOR_START_BITRATE_KBPS, TWO_BROWSER_SERVERS, TWO_BROWSER_GATHERED);
        Map<String, Object> result = floorResult(r, relay, "two-browser floor");
        System.out.println("two-browser floor: " + result.get("ms") + " ms; offering page's marks (ms since it made"
                + " its connection) " + result.get("marks") + "; answering page's steps (ms) " + result.get("steps"));
        return ((Number) result.get("ms")).doubleValue();
    }

    /**
     * The floor: two RTCPeerConnections in one page of the same origin, candidates and descriptions handed over in
     * memory, from their creation (the camera already open) to the receiver's first presented frame.
     */
    private static double floor(String base, Browser b, boolean relay) {
        // The web client starts with the list's UDP URLs (UDP first): so does the floor.
        return floor(base, b, relay, true);
    }

    /**
     * The floor with {@code udpOnly}: only the list's STUN and TURN-over-UDP URLs, to see what the TCP and TLS
     * relay transports cost a relay-only call ({@link RelayListBench}).
     */
    static double floor(String base, Browser b, boolean relay, boolean udpOnly) {
        return floor(base, b, relay, udpOnly, FLOOR_START_BITRATE_KBPS);
    }

    /**
     * The floor's sender starts its video at {@code startKbps} (x-google-start-bitrate in the answer it applies, as
     * the web client does; 0 for Chromium's own 300 kbps).
     */
    static double floor(String base, Browser b, boolean relay, boolean udpOnly, int startKbps) {
        // The web client's page, but with nothing prepared: no camera, socket or connection of its own meanwhile.
        b.driver.get(base + "?prepare=0");
        Object r = b.async("""
                const done = arguments[arguments.length - 1];
                const relay = arguments[0];
                const udpOnly = arguments[1];
                (async () => {
                """ + FLOOR_HELPERS + """
                  const iceServers = await floorList(relay, udpOnly, 'floor');
                  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
                  const cfg = { iceServers, iceTransportPolicy: relay ? 'relay' : 'all', bundlePolicy: 'max-bundle' };
                  const t0 = performance.now();
                  const x = new RTCPeerConnection(cfg);
                  const y = new RTCPeerConnection(cfg);
                  // A candidate that comes before its receiver has the remote description waits for it.
                  const pending = new Map([[x, []], [y, []]]);
                  const feed = (to, c) => {
                    if (to.remoteDescription) to.addIceCandidate(c).catch(() => {});
                    else pending.get(to).push(c);
                  };
                  const flush = (pc) => pending.get(pc).splice(0).forEach((c) => pc.addIceCandidate(c).catch(() => {}));
                  x.onicecandidate = (e) => { if (e.candidate) feed(y, e.candidate); };
                  y.onicecandidate = (e) => { if (e.candidate) feed(x, e.candidate); };
                  stream.getTracks().forEach((t) => x.addTrack(t, stream));
                  const { v, frame } = firstFrame(y, t0);
                  // When the receiving side's ICE and DTLS are both done (as the web client's dtls-connected mark).
                  let connected = null;
                  y.onconnectionstatechange = () => {
                    if (y.connectionState === 'connected' && connected === null) connected = performance.now() - t0;
                  };
                  await x.setLocalDescription();
                  await y.setRemoteDescription(x.localDescription);
                  flush(y);
                  await y.setLocalDescription();
                  const sb = arguments[2];
                  // As the web client does, with its own withStartBitrate: the sender's video starts at sb kbps.
                  const ans = { type: 'answer', sdp: m.withStartBitrate(y.localDescription.sdp, sb) };
                  if (sb && !ans.sdp.includes('x-google-start-bitrate')) throw new Error('no video codec line');
                  await x.setRemoteDescription(ans);
                  flush(x);
                  const ms = await frame;
                  const { type, proto } = await selectedLocal(y);
                  x.close(); y.close(); v.remove(); stream.getTracks().forEach((t) => t.stop());
                  done({ ms, connected, type, proto, urls: iceServers.flatMap((s) => [].concat(s.urls)) });
                })().catch((e) => done({ error: String(e) }));
                """, relay, udpOnly, startKbps);
        Map<String, Object> result = floorResult(r, relay, "floor");
        if (udpOnly || System.getProperty("floor.verbose") != null) {
            System.out.println("floor " + (udpOnly ? "udp-only" : "whole") + ": " + result.get("ms") + " ms (DTLS"
                    + " connected " + result.get("connected") + ") over " + result.get("proto") + " from "
                    + result.get("urls"));
        }
        return ((Number) result.get("ms")).doubleValue();
    }
}
