package io.icemesh.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs examples/aiortc/icemesh_client.py with Debian's python3-aiortc and returns its JSON result line. */
final class Aiortc {

    /** Debian's interpreter: the python3 first on PATH may be another build without aiortc. */
    static final String PYTHON = "/usr/bin/python3";

    private Aiortc() {
    }

    static JsonNode run(Path root, int signalingPort, String... args) throws Exception {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is missing: install python3-aiortc (bash .ci/run does)");
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, root.resolve("examples/aiortc/icemesh_client.py")
                .toString(), "--base", "http://127.0.0.1:" + signalingPort, "--loopback"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("aiortc-", ".out");
        Path err = Files.createTempFile("aiortc-", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                throw new AssertionError("aiortc client hung; stderr:\n" + Files.readString(err));
            }
            String stdout = Files.readString(out).trim();
            if (p.exitValue() != 0 || stdout.isEmpty()) {
                throw new AssertionError("aiortc client failed (" + p.exitValue() + "):\n" + stdout + "\n"
                        + Files.readString(err));
            }
            String[] lines = stdout.split("\n");
            return new ObjectMapper().readTree(lines[lines.length - 1]);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
