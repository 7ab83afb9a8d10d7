package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.Browser;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * The ICE doctor against the local mesh: {@code ./icemesh doctor} with no options tests what signaling's
 * {@code /api/ice-servers} hands out (turn-service over UDP, TCP and TLS), and the {@code /doctor} page in headless
 * Chromium names a STUN server that swallows every packet, then shares its report, which monitor lists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoctorMeshTest {

    private Mesh mesh;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new Mesh();
        Mesh.Result up = mesh.run(Map.of("ICEMESH_TURN_ALLOW_LOOPBACK_PEERS", "true"), "up", "-d", "signaling", "turn",
                "monitor");
        assertEquals(0, up.exitCode(), "./icemesh up -d signaling turn monitor failed:\n" + up.output());
    }

    @AfterAll
    void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void theCliTestsWhatSignalingHandsOut() {
        Mesh.Result doctor = mesh.run("doctor");
        String out = doctor.output();
        int turn = mesh.ports.get("turn-stun");
        // The local mesh's turns: listener has a generated self-signed certificate for another name, which clients
        // refuse (Chromium too: "Failed to establish connection"): the one failure, and the exit status says so.
        assertEquals(1, doctor.exitCode(), out);
        List<String> failed = out.lines().filter(l -> l.startsWith("  FAIL ")).toList();
        assertEquals(1, failed.size(), out);
        assertTrue(failed.get(0).startsWith("  FAIL turns:127.0.0.1:" + mesh.ports.get("turn-tls")
                + "?transport=tcp TLS: its certificate is for no name (no subjectAltName), not '127.0.0.1'; its "
                + "certificate chain is not trusted"), failed.get(0));
        for (String url : List.of("turn:127.0.0.1:" + turn + "?transport=udp",
                "turn:127.0.0.1:" + turn + "?transport=tcp")) {
            // OK, or SLOW on a loaded machine (no time is asserted): what matters is that it works.
            assertTrue(out.contains("OK   " + url + " allocated relay 127.0.0.1:")
                    || out.contains("SLOW " + url + " allocated relay 127.0.0.1:"), url + " works:\n" + out);
        }
        assertTrue(out.contains("data went through it and back"), "the relay round trip passed:\n" + out);
        assertTrue(out.contains("stun:127.0.0.1:" + turn + " answered in"), out);
        // Every URL is the same turn-service address, so the NAT's mapping cannot be told, and the doctor says so.
        assertTrue(out.contains("NAT: only one server answered STUN over UDP, so the NAT's behaviour cannot be told"),
                out);
    }

    @Test
    void theCliNamesWrongCredentialsOnTurnService() {
        String turn = "turn:127.0.0.1:" + mesh.ports.get("turn-stun") + "?transport=udp";
        Mesh.Result doctor = mesh.run("doctor", "--ice-servers", turn, "--username",
                (System.currentTimeMillis() / 1000 + 600) + ":someone", "--credential", "not-the-password");
        assertEquals(1, doctor.exitCode(), doctor.output());
        assertTrue(doctor.output().contains("FAIL " + turn + " refused the credentials (401 to the authenticated "
                + "Allocate): wrong username or password, or a TURN REST credential made with another secret"),
                doctor.output());

        Mesh.Result far = mesh.run("doctor", "--ice-servers", turn, "--username", "9999999999:someone",
                "--credential", "not-the-password");
        assertTrue(far.output().contains("FAIL " + turn + " refused the credentials (401): the TURN REST username "
                + "'9999999999:someone' expires "), far.output());
    }

    @Test
    void thePageNamesAStunServerThatNeverAnswers() throws Exception {
        try (DatagramSocket blackHole = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             Browser browser = new Browser()) {
            int turn = mesh.ports.get("turn-stun");
            String dead = "stun:127.0.0.1:" + blackHole.getLocalPort();
            String good = "stun:127.0.0.1:" + turn;
            String turnUrl = "turn:127.0.0.1:" + turn + "?transport=udp";
            // a TURN entry with a wrong password: its verdict is 401, and its credential must never leave the page
            String ice = "[{\"urls\":[\"" + dead + "\",\"" + good + "\"]},{\"urls\":[\"" + turnUrl
                    + "\"],\"username\":\"" + (System.currentTimeMillis() / 1000 + 600)
                    + ":doctor\",\"credential\":\"secret-that-stays-in-the-page\"}]";
            browser.driver.get("http://127.0.0.1:" + mesh.ports.get("signaling") + "/doctor.html?run=1&ice="
                    + URLEncoder.encode(ice, StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(
                    browser.driver.executeScript("return window.icemeshDoctor && window.icemeshDoctor.done")));
            String first = (String) browser.driver.executeScript(
                    "return document.querySelector('#verdict li').textContent");
            assertTrue(first.startsWith("FAILED " + dead + " never answered within 3.0 s; Chromium gets no "
                    + "server-reflexive candidate from it, and aiortc, when it is the first stun: URL, waits 5.0 s"),
                    first);
            String verdicts = (String) browser.driver.executeScript(
                    "return [...document.querySelectorAll('#verdict li')].map(li => li.textContent).join('\\n')");
            assertTrue(verdicts.contains("FAILED " + turnUrl + " refused the credentials (401)"), verdicts);
            assertTrue(verdicts.contains("OK " + good + " ") || verdicts.contains("SLOW " + good + " "), verdicts);
            String recommended = (String) browser.driver.executeScript(
                    "return document.getElementById('recommended').value");
            assertTrue(recommended.contains(good) && !recommended.contains(dead), recommended);

            browser.driver.findElement(By.id("send")).click();
            await().atMost(Duration.ofSeconds(20)).until(() -> browser.driver.executeScript(
                    "return window.icemeshDoctor.reportId || null") != null);
            String reportId = (String) browser.driver.executeScript("return window.icemeshDoctor.reportId");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String reports = mesh.get("monitor", "/api/doctor-reports?limit=10").body();
                assertTrue(reports.contains("\"reportId\":\"" + reportId + "\""), reports);
                assertTrue(reports.contains("{\"url\":\"" + dead + "\",\"status\":\"failed\""), reports);
                assertTrue(reports.contains("{\"url\":\"" + turnUrl + "\",\"status\":\"failed\""), reports);
                assertFalse(reports.contains("secret-that-stays-in-the-page"), "no credential leaves the page: "
                        + reports);
            });
        }
    }
}
