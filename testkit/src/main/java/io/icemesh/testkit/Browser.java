package io.icemesh.testkit;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.SessionNotCreatedException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.RemoteWebDriver;

/**
 * Debian's headless Chromium driven by its chromedriver, both named explicitly so that Selenium Manager never
 * downloads anything. Fake camera and microphone; loopback candidates allowed. Either Selenium starts chromedriver
 * here, or the caller started one elsewhere (inside a network namespace) and gives its URL.
 */
public final class Browser implements AutoCloseable {

    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    public final RemoteWebDriver driver;
    private final Path profile;
    private final AutoCloseable afterQuit;

    public Browser() throws Exception {
        this(null, List.of(), null);
    }

    /**
     * Chromium through a chromedriver the caller runs at {@code driverUrl} (null: Selenium starts one here), with
     * {@code extraArgs} added to Chromium's command line; {@code afterQuit} (may be null) runs after the browser quit,
     * to stop that chromedriver. The profile folder is made here, so chromedriver must share this file system.
     */
    public Browser(URL driverUrl, List<String> extraArgs, AutoCloseable afterQuit) throws Exception {
        for (String bin : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(Path.of(bin))) {
                throw new IllegalStateException(bin + " is missing: install Debian's chromium and chromium-driver"
                        + " (bash .ci/run does)");
            }
        }
        Path dir = Files.createTempDirectory("icemesh-chromium-");
        RemoteWebDriver started;
        try {
            started = start(driverUrl, options(dir, extraArgs));
        } catch (SessionNotCreatedException e) {
            // On a loaded machine Chromium can miss chromedriver's start-up deadline ("DevToolsActivePort file doesn't
            // exist"): once more, with a fresh profile. A second failure is thrown.
            System.err.println("Chromium did not start, trying once more: " + e.getRawMessage());
            delete(dir);
            dir = Files.createTempDirectory("icemesh-chromium-");
            try {
                started = start(driverUrl, options(dir, extraArgs));
            } catch (RuntimeException again) {
                delete(dir);
                if (afterQuit != null) {
                    afterQuit.close();
                }
                throw again;
            }
        }
        profile = dir;
        driver = started;
        this.afterQuit = afterQuit;
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    private static RemoteWebDriver start(URL driverUrl, ChromeOptions options) {
        return driverUrl == null ? new ChromeDriver(service(), options) : new RemoteWebDriver(driverUrl, options);
    }

    private static ChromeOptions options(Path profile, List<String> extraArgs) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        options.addArguments(new ArrayList<>(extraArgs));
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
            if (afterQuit != null) {
                try {
                    afterQuit.close();
                } catch (Exception e) {
                    System.err.println("stopping chromedriver: " + e);
                }
            }
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
