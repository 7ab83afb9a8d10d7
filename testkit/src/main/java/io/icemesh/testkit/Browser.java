package io.icemesh.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.SessionNotCreatedException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven by its chromedriver, both named explicitly so that Selenium Manager never
 * downloads anything. Fake camera and microphone; loopback candidates allowed.
 */
public final class Browser implements AutoCloseable {

    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    public final ChromeDriver driver;
    private final Path profile;

    public Browser() throws Exception {
        for (String bin : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(Path.of(bin))) {
                throw new IllegalStateException(bin + " is missing: install Debian's chromium and chromium-driver"
                        + " (bash .ci/run does)");
            }
        }
        Path dir = Files.createTempDirectory("icemesh-chromium-");
        ChromeDriver started;
        try {
            started = new ChromeDriver(service(), options(dir));
        } catch (SessionNotCreatedException e) {
            // On a loaded machine Chromium can miss chromedriver's start-up deadline ("DevToolsActivePort file doesn't
            // exist"): once more, with a fresh profile. A second failure is thrown.
            System.err.println("Chromium did not start, trying once more: " + e.getRawMessage());
            delete(dir);
            dir = Files.createTempDirectory("icemesh-chromium-");
            started = new ChromeDriver(service(), options(dir));
        }
        profile = dir;
        driver = started;
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    private static ChromeOptions options(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        return options;
    }

    private static ChromeDriverService service() {
        return new ChromeDriverService.Builder().usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
                .usingAnyFreePort().build();
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs a script that calls its last argument (the callback) with the result, e.g. after getStats(). */
    public Object async(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    /** Frames the page has decoded from its first remote peer (the web client's window.icemeshStats), 0 before. */
    public long framesDecoded() {
        Object n = js("const s = Object.values(window.icemeshStats); return s.length ? s[0].framesDecoded : 0");
        return n == null ? 0 : ((Number) n).longValue();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            delete(profile);
        }
    }

    private static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a leftover temp profile is harmless
        }
    }
}
