package io.icemesh.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A two-user call through the icemesh web client: alice and bob, each in their own headless Chromium with a fake
 * camera, join one new room on the signaling service at {@code baseUrl} and each decodes the other's video.
 */
public final class WebClientCall {

    private WebClientCall() {
    }

    /** What to do while both pages decode each other's video, before they leave (e.g. measure the servers). */
    @FunctionalInterface
    public interface WhileConnected {
        void run(Browser alice, Browser bob) throws Exception;
    }

    /** Runs a call and returns alice's timeline of her link to bob, plus her {@code sessionId}. */
    public static Map<String, Object> run(String baseUrl, boolean relay) throws Exception {
        return run(baseUrl, relay, (a, b) -> { });
    }

    /**
     * Runs a call ({@code relay}: both pages use relay candidates only, as {@code ?relay=1} asks of the web client),
     * runs {@code whileConnected} once both decode video, and returns alice's timeline plus her {@code sessionId}.
     */
    public static Map<String, Object> run(String baseUrl, boolean relay, WhileConnected whileConnected)
            throws Exception {
        String room = "chromium-" + UUID.randomUUID().toString().substring(0, 8);
        String url = baseUrl + "/?room=" + room + (relay ? "&relay=1" : "");
        try (Browser a = new Browser(); Browser b = new Browser()) {
            for (Browser page : List.of(a, b)) {
                page.driver.get(url + "&user=" + (page == a ? "alice" : "bob"));
                page.driver.findElement(org.openqa.selenium.By.id("join-button")).click();
            }
            for (Browser page : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                        assertTrue(page.framesDecoded() > 0, "page decodes the other's video; status: "
                                + page.driver.findElement(org.openqa.selenium.By.id("status")).getText()
                                + ", stats: " + page.js("return JSON.stringify(window.icemeshStats)")));
                Object width = page.js("return document.querySelector('figure[data-peer] video').videoWidth");
                assertTrue(((Number) width).intValue() > 0, "the remote video element shows frames");
            }
            whileConnected.run(a, b);
            @SuppressWarnings("unchecked")
            Map<String, Object> timeline = new HashMap<>((Map<String, Object>) a.js(
                    "return Object.values(window.icemeshStats)[0]"));
            timeline.put("sessionId", a.js("return window.icemeshSession.sessionId"));
            return timeline;
        }
    }
}
