package io.icemesh.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A binary the tests run (coturn's turnserver, prometheus, promtool), with its output in a log file. */
public final class ExternalProcess implements AutoCloseable {

    private static final long STOP_WAIT_SECONDS = 10;

    private final Process process;
    private final Path log;

    private ExternalProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The path of a binary CI installs; fails the test with a clear message when it is missing. */
    public static Path binary(String name, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError(name + " is not installed: this test needs the Debian package " + debianPackage
                + " (apt-get install -y " + debianPackage + ")");
    }

    /** Starts the command with stdout and stderr in {@code log}. */
    public static ExternalProcess start(Path log, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return new ExternalProcess(pb.start(), log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a command to completion; returns its exit code (output in {@code log}). */
    public static int run(Path log, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        try (ExternalProcess p = start(log, command)) {
            if (!p.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new AssertionError(command.get(0) + " did not finish within " + timeoutSeconds + " s: " + p.log());
            }
            return p.process.exitValue();
        }
    }
}
