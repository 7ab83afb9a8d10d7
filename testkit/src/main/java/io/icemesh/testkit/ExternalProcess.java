package io.icemesh.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program a test runs that we did not write (coturn's turnserver and turnutils, prometheus, promtool, python with
 * aiortc, kubectl, docker-compose), with its output in a log file, or stdout and stderr in files of their own. A
 * missing binary fails the test saying what installs it; {@link #close()} stops the process and its children
 * (SIGTERM, then SIGKILL after a few seconds).
 */
public final class ExternalProcess implements AutoCloseable {

    private static final long STOP_WAIT_SECONDS = 10;

    private final Process process;
    private final Path log;
    /** stderr when it has a file of its own, else null (it went to the log with stdout). */
    private final Path err;
    private final String name;

    private ExternalProcess(Process process, Path log, Path err, String name) {
        this.process = process;
        this.log = log;
        this.err = err;
        this.name = name;
    }

    /**
     * The path of a binary CI installs ({@code name} on the PATH, or an absolute path); an AssertionError naming
     * the Debian package when it is missing.
     */
    public static Path binary(String name, String debianPackage) {
        return installed(name, "this test needs the Debian package " + debianPackage + " (apt-get install -y "
                + debianPackage + "; bash .ci/run installs it)");
    }

    /**
     * The path of a binary ({@code name} on the PATH or in /usr/bin or /usr/local/bin, or an absolute path); an
     * AssertionError that says {@code howToInstall} when it is missing.
     */
    public static Path installed(String name, String howToInstall) {
        if (name.startsWith("/")) {
            if (Files.isExecutable(Path.of(name))) {
                return Path.of(name);
            }
        } else {
            String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/local/bin";
            for (String dir : path.split(":")) {
                Path p = dir.isEmpty() ? null : Path.of(dir, name);
                if (p != null && Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
        }
        throw new AssertionError(name + " is not installed: " + howToInstall);
    }

    /** Starts the command with stdout and stderr in {@code log}. */
    public static ExternalProcess start(Path log, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return new ExternalProcess(pb.start(), log, null, command.get(0));
    }

    /**
     * Starts the command in {@code workDir} with {@code env} added to this JVM's environment, its stdout in
     * {@code out} and its stderr in {@code err}: for programs whose stdout is data (JSON lines, rendered manifests).
     */
    public static ExternalProcess start(List<String> command, Map<String, String> env, Path workDir, Path out,
            Path err) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        return new ExternalProcess(pb.start(), out, err, command.get(0));
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

    /** The process id: for reading its CPU time from /proc. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Asks the process to end (SIGTERM) without waiting: a program that prints its result when told to stop. */
    public void terminate() {
        process.destroy();
    }

    /** Everything the process wrote so far (stdout, then stderr when that has a file of its own). */
    public String output() {
        return err == null ? stdout() : stdout() + (stderr().isEmpty() ? "" : "\nstderr:\n" + stderr());
    }

    /** What the process wrote to stdout so far (with stderr, unless that has a file of its own). */
    public String stdout() {
        return read(log);
    }

    /** What the process wrote to stderr so far when that has a file of its own, else "". */
    public String stderr() {
        return err == null ? "" : read(err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
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
