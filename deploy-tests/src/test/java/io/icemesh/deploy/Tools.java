package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import io.icemesh.testkit.ExternalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools these tests need (testkit's {@link ExternalProcess}) and keeps what they printed. */
final class Tools {

    private static final long TIMEOUT_SECONDS = 120;

    /** Output and exit code of a finished command. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private Tools() {
    }

    /** The executable on PATH (or in /usr/bin), or a failed test naming what installs it. */
    static Path require(String name, String installHint) {
        return ExternalProcess.installed(name, installHint + " (bash .ci/run installs what the tests need)");
    }

    /** Runs {@code command} in {@code workDir} to its end (at most two minutes). */
    static Result run(List<String> command, Map<String, String> env, Path workDir) {
        try {
            Path out = Files.createTempFile("deploy-tests", ".out");
            Path err = Files.createTempFile("deploy-tests", ".err");
            try (ExternalProcess p = ExternalProcess.start(command, env, workDir, out, err)) {
                int exit = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return new Result(exit, p.stdout(), p.stderr());
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("could not run " + command + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running " + command);
        }
    }

    static List<String> command(Path tool, String... args) {
        List<String> c = new ArrayList<>();
        c.add(tool.toString());
        c.addAll(List.of(args));
        return c;
    }
}
