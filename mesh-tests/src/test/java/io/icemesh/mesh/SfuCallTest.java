package io.icemesh.mesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An SFU room end to end: three Chromium pages join through the web client in SFU mode; signaling places the room
 * on media-service over Kafka and relays the SDP; every page decodes the video of both others.
 */
class SfuCallTest {

    @Test
    void threePagesInAnSfuRoomEachDecodeBothOthers() throws Exception {
        try (Mesh mesh = new Mesh()) {
            Mesh.Result up = mesh.run("up", "-d");
            assertEquals(0, up.exitCode(), up.output());
            String room = "sfu-" + UUID.randomUUID().toString().substring(0, 8);
            String url = "http://127.0.0.1:" + mesh.ports.get("signaling") + "/?mode=sfu&room=" + room;
            List<Browser> pages = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Browser page = new Browser();
                    pages.add(page);
                    page.driver.get(url + "&user=u" + i);
                    page.driver.findElement(By.id("join-button")).click();
                    await().atMost(Duration.ofSeconds(30)).until(() -> page.js("return window.icemeshSession") != null);
                }
                for (Browser page : pages) {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                            assertTrue(decoding(page) >= 2, "page decodes both others through the SFU; status: "
                                    + page.driver.findElement(By.id("status")).getText() + ", stats: "
                                    + page.js("return JSON.stringify(window.icemeshStats)")));
                }
            } finally {
                for (Browser page : pages) {
                    page.close();
                }
            }
        }
    }

    private static long decoding(Browser page) {
        Object n = page.js("const s = window.icemeshStats.sfu; return s ? s.videoStreamsDecoding || 0 : 0");
        return n == null ? 0 : ((Number) n).longValue();
    }
}
