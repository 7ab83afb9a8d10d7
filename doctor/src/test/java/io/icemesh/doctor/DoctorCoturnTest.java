package io.icemesh.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The doctor against servers we did not write, all on loopback: two coturn 4.6.1 processes (TURN REST secret; TLS
 * with a certificate for localhost on one, for another name on the other), a UDP port that swallows every packet,
 * and a name that cannot resolve ({@code .invalid}, RFC 6761). Each verdict must name the right server and cause.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoctorCoturnTest {

    private static final String SECRET = "doctor-test-secret";

    private Path dir;
    private Path[] localhostCert;
    private Path[] otherCert;
    private Coturn a;
    private Coturn b;
    private Swallower swallower;

    record Run(int exit, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) Json.parse(out);
        }
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("icemesh-doctor-test-");
        localhostCert = Coturn.certificate(dir, "localhost");
        otherCert = Coturn.certificate(dir, "other.example");
        a = Coturn.start(dir, SECRET, localhostCert, 42000);
        b = Coturn.start(dir, SECRET, otherCert, 42200);
        swallower = new Swallower();
    }

    @AfterAll
    void stop() throws Exception {
        swallower.close();
        a.close();
        b.close();
    }

    static Run doctor(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Doctor.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        return (List<Map<String, Object>>) m.get(key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static Map<String, Object> server(Map<String, Object> report, String url) {
        return list(report, "servers").stream().filter(s -> s.get("url").equals(url)).findFirst()
                .orElseThrow(() -> new AssertionError(url + " not in " + report));
    }

    @Test
    void aHealthyListPassesEveryCheck() {
        String stunA = "stun:127.0.0.1:" + a.port;
        String stunB = "stun:127.0.0.1:" + b.port;
        String turnUdp = "turn:127.0.0.1:" + a.port + "?transport=udp";
        String turnTcp = "turn:127.0.0.1:" + a.port + "?transport=tcp";
        String turns = "turns:localhost:" + a.tlsPort + "?transport=tcp";
        Run run = doctor("--ice-servers", String.join(",", turns, turnTcp, turnUdp, stunB, stunA), "--turn-secret",
                SECRET, "--ca-file", localhostCert[0].toString(), "--json");
        assertEquals(0, run.exit(), run.out() + run.err());
        Map<String, Object> r = run.json();
        for (Map<String, Object> s : list(r, "servers")) {
            assertNotEquals("failed", s.get("status"), s.toString());
        }
        for (String turn : List.of(turnUdp, turnTcp, turns)) {
            Map<String, Object> s = server(r, turn);
            assertNotNull(s.get("relay"), s.toString());
            assertNotNull(s.get("relayRoundTripMs"), "data went through " + turn + " and back: " + s);
        }
        assertTrue(map(server(r, turns), "tls").get("protocol").toString().startsWith("TLSv1."), r.toString());
        assertEquals(List.of(), map(server(r, turns), "tls").get("problems"));
        assertEquals("none", map(r, "nat").get("mapping"), "two loopback servers see this machine's own address");
        // Best first: STUN over UDP, then TURN over UDP, TCP, TLS, whatever the order given.
        List<Map<String, Object>> rec = list(map(r, "recommended"), "iceServers");
        assertEquals(2, ((List<?>) rec.get(0).get("urls")).size(), rec.toString());
        assertEquals(List.of(turnUdp, turnTcp, turns), rec.get(1).get("urls"), rec.toString());
        assertTrue(rec.get(1).get("username").toString().endsWith(":icemesh-doctor"), rec.toString());
        Map<String, Object> aiortc = map(map(r, "clients"), "aiortc");
        assertEquals(stunB, aiortc.get("stun"), "aiortc uses the first stun: URL");
        assertEquals(turns, aiortc.get("turn"), "aiortc uses the first TURN URL");
        assertTrue(((Number) aiortc.get("predictedGatheringMs")).doubleValue() < Prediction.AIORTC_STUN_WAIT_MS,
                "no server makes aiortc wait: " + aiortc);
    }

    @Test
    void aSwallowingStunServerFirstIsNamedWithTheWaitItCosts() {
        String dead = "stun:127.0.0.1:" + swallower.port();
        String good = "stun:127.0.0.1:" + a.port;
        String turn = "turn:127.0.0.1:" + a.port + "?transport=udp";
        int before = swallower.received.get();
        Run run = doctor("--ice-servers", dead + "," + good + "," + turn, "--turn-secret", SECRET);
        assertEquals(1, run.exit(), run.out());
        String first = run.out().lines().filter(l -> l.startsWith("  FAIL") || l.startsWith("  OK")
                || l.startsWith("  SLOW")).findFirst().orElseThrow();
        assertTrue(first.startsWith("  FAIL " + dead + " never answered a STUN Binding request (3 tries over 1.5 s): "
                + "every aiortc gathering with this list waits 5.0 s. Put " + good + " (answered in "), first);
        assertTrue(first.endsWith(") first, or remove it."), first);
        assertTrue(swallower.received.get() - before >= 3, "three Binding requests reached the dead server");
        // 5 s of STUN wait plus the TURN allocation's milliseconds (more on a loaded machine)
        assertTrue(run.out().matches("(?s).*aiortc 1\\.4 takes about 5\\.\\d s to gather.*"), run.out());
        assertTrue(run.out().matches("(?s).*a call between two aiortc peers waits about 1[01]\\.\\d s.*"), run.out());
        String recommended = run.out().substring(run.out().indexOf("Recommended list"));
        assertFalse(recommended.contains(dead), recommended);
        assertTrue(recommended.contains(good) && recommended.contains(turn), recommended);
    }

    @Test
    void aNameThatDoesNotResolveIsNamed() {
        Run run = doctor("--ice-servers", "stun:icemesh-doctor-test.invalid:3478,stun:127.0.0.1:" + a.port,
                "--json");
        assertEquals(1, run.exit(), run.out());
        Map<String, Object> v = list(run.json(), "verdict").get(0);
        assertEquals("failed", v.get("status"));
        assertEquals("stun:icemesh-doctor-test.invalid:3478", v.get("url"));
        assertTrue(v.get("text").toString().contains("the name 'icemesh-doctor-test.invalid' does not resolve"),
                v.toString());
    }

    @Test
    void aClosedPortIsRefusedNotSilentYetAiortcStillWaits() throws Exception {
        int closed;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        String url = "stun:127.0.0.1:" + closed;
        Run run = doctor("--ice-servers", url + ",stun:127.0.0.1:" + a.port, "--json");
        assertEquals(1, run.exit(), run.out());
        Map<String, Object> v = list(run.json(), "verdict").get(0);
        assertEquals(url, v.get("url"));
        assertTrue(v.get("text").toString().startsWith(url + " refused a STUN Binding request: the host answered ICMP "
                + "port unreachable (nothing listens on UDP port " + closed + "): every aiortc gathering with this list "
                + "waits 5.0 s"), v.toString());
        assertEquals(1, ((List<?>) map(server(run.json(), url), "binding").get("sentAtMs")).size(),
                "the refusal ends the transaction: no retransmissions");
    }

    @Test
    void aWrongPasswordIsTheCauseNotTheServer() {
        String turn = "turn:127.0.0.1:" + a.port + "?transport=udp";
        Run run = doctor("--ice-servers", turn + ",stun:127.0.0.1:" + a.port, "--username", (System.currentTimeMillis() / 1000 + 600) + ":someone",
                "--credential", "not-the-password", "--json");
        assertEquals(1, run.exit(), run.out());
        Map<String, Object> v = list(run.json(), "verdict").get(0);
        assertEquals(turn, v.get("url"));
        assertTrue(v.get("text").toString().contains("refused the credentials (401 to the authenticated Allocate): "
                + "wrong username or password"), v.toString());
        assertTrue(v.get("text").toString().contains("aiortc's gathering raises"), v.toString());
        Map<String, Object> s = server(run.json(), turn);
        assertEquals(Boolean.TRUE, map(s, "challenge").get("answered"), "the 401 challenge came: " + s);
    }

    @Test
    void aCertificateForAnotherNameIsNamed() {
        String turns = "turns:localhost:" + b.tlsPort + "?transport=tcp";
        Run trusted = doctor("--ice-servers", turns, "--turn-secret", SECRET, "--ca-file", otherCert[0].toString(),
                "--json");
        assertEquals(1, trusted.exit(), trusted.out());
        String text = list(trusted.json(), "verdict").get(0).get("text").toString();
        assertTrue(text.startsWith(turns + " TLS: its certificate is for other.example, not 'localhost'. Browsers "
                + "and aiortc refuse it, so clients get no relay candidate from it"), text);
        assertFalse(text.contains("not trusted"), "the chain is trusted through --ca-file: " + text);

        Run untrusted = doctor("--ice-servers", turns, "--turn-secret", SECRET, "--json");
        assertEquals(1, untrusted.exit());
        @SuppressWarnings("unchecked")
        List<String> problems = (List<String>) map(server(untrusted.json(), turns), "tls").get("problems");
        assertTrue(problems.stream().anyMatch(p -> p.contains("chain is not trusted") && p.contains("self-signed")),
                problems.toString());
    }

    @Test
    void aBadUrlIsAUsageErrorWithTheReason() {
        Run run = doctor("--ice-servers", "stun://127.0.0.1:3478");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("'stun://127.0.0.1:3478' is not an ICE server URL: ICE URLs have no '//'"),
                run.err());
    }

    @Test
    void aRealAiortcGatheringMatchesThePrediction() {
        String dead = "stun:127.0.0.1:" + swallower.port();
        String turn = "turn:127.0.0.1:" + a.port + "?transport=udp";
        Run run = doctor("--ice-servers", dead + "," + turn, "--turn-secret", SECRET, "--client", "aiortc", "--json");
        Map<String, Object> clients = map(run.json(), "clients");
        double predicted = ((Number) map(clients, "aiortc").get("predictedGatheringMs")).doubleValue();
        Map<String, Object> measured = map(clients, "aiortcMeasured");
        assertEquals(Boolean.TRUE, measured.get("ok"), measured.toString());
        double real = ((Number) measured.get("gatheringMs")).doubleValue();
        assertTrue(Math.abs(real - predicted) <= 0.1 * real,
                "aiortc gathered in " + real + " ms, predicted " + predicted + " ms");
        assertTrue(((List<?>) measured.get("candidateTypes")).contains("relay"), measured.toString());
    }
}
