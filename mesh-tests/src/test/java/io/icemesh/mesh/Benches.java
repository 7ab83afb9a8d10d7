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
     * The first page joins the room at {@code url} and is in it before the newcomer clicks Join: the newcomer is the
     * one that offers, and its click starts the time measured.
     */
    static void firstThenNewcomer(Browser first, Browser newcomer, String url) {
        first.driver.get(url);
        first.driver.findElement(By.id("join-button")).click();
        waitFor(() -> first.js("return window.icemeshSession") != null, 20);
        newcomer.driver.get(url);
        newcomer.driver.findElement(By.id("join-button")).click();
    }

    static void waitFor(Callable<Boolean> condition, int seconds) {
        Awaitility.await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(50)).until(condition);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
