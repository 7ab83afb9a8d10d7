package io.icemesh.mesh;

import io.icemesh.testkit.Browser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.openqa.selenium.By;

/** What the web-client benchmarks (FirstFrameBench, TimeToMediaBench) share: the two-page join and their figures. */
final class Benches {

    private Benches() {
    }

    /**
     * Whether the newcomer clicks Join once its page is ready (camera preview, token, socket and P2P standby
     * connection made before the click, as a user who sees the preview first; the default) or as soon as the page
     * has loaded, with nothing prepared ({@code -Dbench.click=load}: the page's {@code prepare=0}, the way to media
     * of a page that does nothing before the click).
     */
    static final boolean CLICK_WHEN_READY = !"load".equals(System.getProperty("bench.click", "ready"));

    /**
     * The first page joins the room at {@code url} and is in it before the newcomer clicks Join: the newcomer is the
     * one that offers, and its click starts the time measured.
     */
    static void firstThenNewcomer(Browser first, Browser newcomer, String url) {
        // The page already in the room prepares nothing: alone at its join, it would only close its standby
        // connection, whose marks (its first candidates) would stand for the call's in its stage table.
        first.driver.get(url + "&prepare=0");
        first.driver.findElement(By.id("join-button")).click();
        waitFor(() -> first.js("return window.icemeshSession") != null, 20);
        if (CLICK_WHEN_READY) {
            // As a user already in the room for a while: it has made the connection it answers a newcomer on.
            waitFor(() -> Boolean.TRUE.equals(first.js("return window.icemeshClient.answerStandby !== null")), 20);
        }
        newcomer.driver.get(CLICK_WHEN_READY ? url : url + "&prepare=0");
        if (CLICK_WHEN_READY) {
            waitFor(() -> Boolean.TRUE.equals(newcomer.js("return window.icemeshReady")), 20);
        }
        if (NO_PREVIEW) {
            // Diagnostic: neither page shows its own camera (the preview element is emptied), to see what drawing
            // it costs a call's set-up on this machine's two cores.
            String drop = "const v = document.getElementById('local'); v.srcObject = null; return true";
            first.js(drop);
            newcomer.js(drop);
        }
        newcomer.driver.findElement(By.id("join-button")).click();
    }

    /** -Dbench.preview=false: the pages' camera previews emptied before the click (a diagnostic, see above). */
    static final boolean NO_PREVIEW = "false".equals(System.getProperty("bench.preview"));

    static void waitFor(Callable<Boolean> condition, int seconds) {
        Awaitility.await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(50)).until(condition);
    }

    /** The median, or NaN for no values (a comparison the run left out). */
    static double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
