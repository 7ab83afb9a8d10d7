package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.icemesh.testkit.Browser;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;

/**
 * A Chromium page in an SFU room through the web client (app.js and icemesh.js): it publishes its fake camera and
 * microphone on its one connection to the pseudo peer "sfu", and receives every other publisher on the same connection,
 * one m-section each.
 */
final class SfuPage implements AutoCloseable {

    /** One video m-section the SFU forwards to this page, as the page sees it now. */
    record Inbound(String mid, String streamId, String direction, long framesDecoded, boolean muted, int frameWidth) {
    }

    /**
     * The page's video sections that receive (recvonly, or inactive once their publisher left): the publisher's stream
     * from the SFU's a=msid (null when the section has none), the negotiated direction, and getStats framesDecoded.
     */
    private static final String INBOUND = """
            const done = arguments[arguments.length - 1];
            const link = window.icemeshClient && window.icemeshClient.links.get('sfu');
            if (!link || !link.pc.remoteDescription) { done([]); return; }
            const pc = link.pc;
            const streamOfMid = {};
            for (const section of pc.remoteDescription.sdp.split(/\\r\\n(?=m=)/).slice(1)) {
              const mid = (section.match(/\\r\\na=mid:(\\S+)/) || [])[1];
              const msid = (section.match(/\\r\\na=msid:(\\S+) /) || [])[1];
              if (mid) streamOfMid[mid] = msid || null;
            }
            pc.getStats().then((stats) => {
              const frames = {};
              const widths = {};
              stats.forEach((s) => {
                if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
                frames[s.mid || s.trackIdentifier] = s.framesDecoded || 0;
                widths[s.mid || s.trackIdentifier] = s.frameWidth || 0;
              });
              done(pc.getTransceivers()
                .filter((t) => t.mid !== null && t.receiver.track.kind === 'video'
                  && (t.currentDirection === 'recvonly' || t.currentDirection === 'inactive'))
                .map((t) => ({ mid: t.mid, stream: streamOfMid[t.mid] || null, direction: t.currentDirection,
                  frames: frames[t.mid] !== undefined ? frames[t.mid] : (frames[t.receiver.track.id] || 0),
                  muted: t.receiver.track.muted, width: widths[t.mid] || 0 })));
            }, (e) => done([{ error: String(e) }]));
            """;

    /** Camera, token, WebSocket join and the node's ALLOCATE over Kafka, on a machine that may be busy. */
    private static final Duration JOIN = Duration.ofSeconds(120);

    final String user;
    final Browser browser;
    private String streamId;
    /** The mesh's logs folder when joined through {@link #join(Mesh, String, String, String)}, else null. */
    private java.nio.file.Path logs;

    private SfuPage(String user, Browser browser) {
        this.user = user;
        this.browser = browser;
    }

    /** Opens the web client, joins the SFU room (optionally with "force relay") and waits for 'joined'. */
    static SfuPage join(Mesh mesh, String room, String user, boolean relay) throws Exception {
        return join(mesh, room, user, relay ? "&relay=1" : "");
    }

    /** Opens the web client with extra page options ({@code &simulcast=1}, ...) and joins the SFU room. */
    static SfuPage join(Mesh mesh, String room, String user, String options) throws Exception {
        SfuPage page = join(mesh.ports.get("signaling"), room, user, options);
        page.logs = mesh.home.resolve("logs");
        return page;
    }

    /** Opens the web client of the signaling instance on {@code port} and joins the SFU room there. */
    static SfuPage join(int port, String room, String user, String options) throws Exception {
        return join(port, room, user, options, false);
    }

    /**
     * Opens the web client, waits until it is ready to join (camera, token, socket and its connection to the SFU
     * with its offer made: IcemeshClient.prepare), then joins: the offer goes in the join.
     */
    static SfuPage joinPrepared(Mesh mesh, String room, String user) throws Exception {
        SfuPage page = join(mesh.ports.get("signaling"), room, user, "", true);
        page.logs = mesh.home.resolve("logs");
        return page;
    }

    private static SfuPage join(int port, String room, String user, String options, boolean ready)
            throws Exception {
        SfuPage page = new SfuPage(user, new Browser());
        try {
            page.browser.driver.get("http://127.0.0.1:" + port + "/?mode=sfu&room=" + room
                    + "&user=" + user + options);
            if (ready) {
                await().atMost(JOIN).pollInterval(Duration.ofMillis(200)).until(
                        () -> Boolean.TRUE.equals(page.browser.js("return window.icemeshReady")));
            }
            page.browser.driver.findElement(By.id("join-button")).click();
            await().atMost(JOIN).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertNotNull(
                    page.browser.js("return window.icemeshSession"), user + " joined; status: '"
                            + page.browser.driver.findElement(By.id("status")).getText() + "'"));
        } catch (RuntimeException | Error e) {
            page.close();
            throw e;
        }
        return page;
    }

    /** The id of the MediaStream this page publishes: the SFU forwards it under this a=msid stream id. */
    String streamId() {
        if (streamId == null) {
            streamId = (String) browser.js("return window.icemeshClient.localStream.id");
        }
        return streamId;
    }

    @SuppressWarnings("unchecked")
    List<Inbound> inbound() {
        List<Map<String, Object>> raw = (List<Map<String, Object>>) browser.async(INBOUND);
        return raw.stream().map(m -> {
            if (m.containsKey("error")) {
                throw new AssertionError(user + ": getStats failed: " + m.get("error"));
            }
            return new Inbound((String) m.get("mid"), (String) m.get("stream"), (String) m.get("direction"),
                    ((Number) m.get("frames")).longValue(), Boolean.TRUE.equals(m.get("muted")),
                    ((Number) m.get("width")).intValue());
        }).toList();
    }

    /** Frames decoded so far per publisher (stream id) this page receives now. */
    Map<String, Long> decodedByStream() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Inbound in : inbound()) {
            if (in.streamId() != null && "recvonly".equals(in.direction())) {
                out.put(in.streamId(), in.framesDecoded());
            }
        }
        return out;
    }

    /** The section receiving the given publisher's stream now, or null. */
    Inbound receiving(String stream) {
        for (Inbound in : inbound()) {
            if (stream.equals(in.streamId()) && "recvonly".equals(in.direction())) {
                return in;
            }
        }
        return null;
    }

    /** How many video elements on the page show the given stream. */
    long tilesShowing(String stream) {
        return ((Number) browser.js("return [...document.querySelectorAll('#tiles video')]"
                + ".filter((v) => v.srcObject && v.srcObject.id === arguments[0]).length", stream)).longValue();
    }

    /** The SFU connection's timeline as the web client shows it (localType, remoteType, rttMs, ...). */
    @SuppressWarnings("unchecked")
    Map<String, Object> timeline() {
        return (Map<String, Object>) browser.js("return window.icemeshStats.sfu || null");
    }

    /** Clicks the web client's Leave button. */
    void leave() {
        browser.driver.findElement(By.id("leave-button")).click();
    }

    /** What a failure message needs: status line, timeline, and every receiving section. */
    String diagnostics() {
        try {
            return user + " (publishes " + streamId() + "): status '" + browser.driver.findElement(By.id("status"))
                    .getText() + "', stats " + browser.js("return JSON.stringify(window.icemeshStats)")
                    + ", inbound " + inbound() + serverLines();
        } catch (RuntimeException e) {
            return user + ": no diagnostics (" + e + ")" + serverLines();
        }
    }

    /**
     * The last lines signaling and media-service logged about this page's session (by its id), so that a failure
     * seen only in a CI summary says what the servers did: allocation, answer, ICE, DTLS, moves, ends.
     */
    private String serverLines() {
        if (logs == null) {
            return "";
        }
        try {
            Object session = browser.js("return window.icemeshSession && window.icemeshSession.sessionId");
            if (!(session instanceof String id)) {
                return "";
            }
            java.util.List<String> lines = new java.util.ArrayList<>();
            try (var files = java.nio.file.Files.list(logs)) {
                for (java.nio.file.Path f : files.filter(p -> p.getFileName().toString().matches(
                        "(signaling|media)(-\\d+)?\\.log")).sorted().toList()) {
                    for (String line : java.nio.file.Files.readAllLines(f, java.nio.charset.StandardCharsets.UTF_8)) {
                        if (line.contains(id)) {
                            lines.add(f.getFileName() + ": " + (line.length() > 240 ? line.substring(0, 240) : line));
                        }
                    }
                }
            }
            return "\n  server log lines of session " + id + " (last 12):\n    "
                    + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
        } catch (java.io.IOException | RuntimeException e) {
            return "\n  (server logs unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        browser.close();
    }
}
