package io.icemesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program a test runs that we did not write (coturn's turnserver and turnutils, prometheus, promtool, python with
 * aiortc), with its output in a log file. A missing binary fails the test naming the Debian package that has it;
 * {@link #close()} stops the process and its children (SIGTERM, then SIGKILL after a few seconds).
 */
public final class ExternalProcess implements AutoCloseable {

    private static final long STOP_WAIT_SECONDS = 10;

    private final Process process;
    private final Path log;
    private final String name;

    private ExternalProcess(Process process, Path log, String name) {
        this.process = process;
        this.log = log;
        this.name = name;
    }

    /**
     * The path of a binary CI installs ({@code name} on the PATH, or an absolute path); an AssertionError naming
     * the Debian package when it is missing.
     */
    public static Path binary(String name, String debianPackage) {
        if (name.startsWith("/")) {
            if (Files.isExecutable(Path.of(name))) {
                return Path.of(name);
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
        }
        throw new AssertionError(name + " is not installed: this test needs the Debian package " + debianPackage
                + " (apt-get install -y " + debianPackage + "; bash .ci/run installs it)");
    }

    /** Starts the command with stdout and stderr in {@code log}. */
    public static ExternalProcess start(Path log, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return new ExternalProcess(pb.start(), log, command.get(0));
    }

    /** Starts the command with stdout and stderr in a temporary file. */
    public static ExternalProcess start(List<String> command) throws IOException {
        String base = Path.of(command.get(0)).getFileName().toString();
        return start(Files.createTempFile("icemesh-test-" + base + "-", ".log"), command);
    }

    /** Runs a command to completion; returns its exit code (output in {@code log}); fails after the timeout. */
    public static int run(Path log, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        try (ExternalProcess p = start(log, command)) {
            return p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        }
    }

    /** Waits for the process to exit and returns its exit code; an AssertionError with its output on timeout. */
    public int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError(name + " did not finish within " + timeout + " " + unit.name().toLowerCase()
                    + "; output:\n" + output());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process wrote so far, for assertions and failure messages. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
