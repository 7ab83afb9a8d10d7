package io.icemesh.turn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process of a test (turnutils, chromium, python): output goes to a file, and {@link #close()} kills it and
 * its descendants. A missing binary fails the test with the package to install; it never skips.
 */
public final class ExternalProcess implements AutoCloseable {

    private final Process process;
    private final Path output;
    private final String name;

    private ExternalProcess(Process process, Path output, String name) {
        this.process = process;
        this.output = output;
        this.name = name;
    }

    /** The absolute path of a binary, or a test failure naming the Debian package that provides it. */
    public static String require(String binary, String debianPackage) {
        if (binary.startsWith("/")) {
            if (new File(binary).canExecute()) {
                return binary;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
                File f = new File(dir, binary);
                if (f.canExecute()) {
                    return f.getAbsolutePath();
                }
            }
        }
        fail(binary + " is missing: install it with apt-get install -y " + debianPackage);
        return binary;
    }

    /** Starts a command with stdout and stderr in a temporary file. */
    public static ExternalProcess start(List<String> command) throws IOException {
        Path out = Files.createTempFile("turn-test-" + new File(command.get(0)).getName() + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        return new ExternalProcess(pb.start(), out, command.get(0));
    }

    /** Waits for the process to exit; fails the test on timeout (the process is killed by close). */
    public int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            fail(name + " did not finish within " + timeout + " " + unit + "; output:\n" + output());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process wrote so far. */
    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
