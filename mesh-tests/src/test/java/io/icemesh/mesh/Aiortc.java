package io.icemesh.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs examples/aiortc/icemesh_client.py with Debian's python3-aiortc and reads its JSON result line. */
final class Aiortc implements AutoCloseable {

    /** Debian's interpreter: the python3 first on PATH may be another build without aiortc. */
    static final String PYTHON = "/usr/bin/python3";

    private final Process process;
    private final Path out;
    private final Path err;

    private Aiortc(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts the client on loopback against signaling on the given port. */
    static Aiortc start(Path root, int signalingPort, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--base", "http://127.0.0.1:" + signalingPort, "--loopback"));
        all.addAll(List.of(args));
        return start(List.of(), root, all);
    }

    /**
     * Starts the client with {@code prefix} before the interpreter (e.g. {@code ip netns exec NS}) and exactly
     * {@code args} ({@code --base} included).
     */
    static Aiortc start(List<String> prefix, Path root, List<String> args) throws Exception {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is missing: install python3-aiortc (bash .ci/run does)");
        }
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(PYTHON, root.resolve("examples/aiortc/icemesh_client.py").toString()));
        command.addAll(args);
        Path out = Files.createTempFile("aiortc-", ".out");
        Path err = Files.createTempFile("aiortc-", ".err");
        return new Aiortc(new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start(), out, err);
    }

    /** Starts the client and waits for its result. */
    static JsonNode run(Path root, int signalingPort, String... args) throws Exception {
        try (Aiortc client = start(root, signalingPort, args)) {
            return client.result();
        }
    }

    /** What the client printed on stderr so far (for failure messages). */
    String stderr() {
        try {
            return Files.readString(err);
        } catch (java.io.IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }

    /** True once the client has printed that it joined its room. */
    boolean joined() throws Exception {
        return Files.readString(out).contains("{\"joined\": ");
    }

    /**
     * The latest JSON line the client printed that has the given field ("received" once a second, "offered" when it
     * offered), or null when there is none yet.
     */
    JsonNode latest(String field) {
        List<String> lines;
        try {
            lines = Files.readAllLines(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ObjectMapper json = new ObjectMapper();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).trim();
            if (!line.startsWith("{")) {
                continue;
            }
            try {
                JsonNode node = json.readTree(line);
                if (node.has(field)) {
                    return node;
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // the line being written right now
            }
        }
        return null;
    }

    /** Asks the client to leave now (SIGTERM) and returns its result line. */
    JsonNode stop() throws Exception {
        process.destroy();
        return result();
    }

    /** Waits (at most 90 s) for the client to finish and returns its result line. */
    JsonNode result() throws Exception {
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            throw new AssertionError("aiortc client hung; stderr:\n" + Files.readString(err));
        }
        String stdout = Files.readString(out).trim();
        if (stdout.isEmpty()) {
            throw new AssertionError("aiortc client failed (" + process.exitValue() + "):\n" + stdout + "\n"
                    + Files.readString(err));
        }
        String[] lines = stdout.split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}
