package io.icemesh.mesh;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.icemesh.testkit.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs examples/aiortc/icemesh_client.py with Debian's python3-aiortc and reads its JSON result line. */
final class Aiortc implements AutoCloseable {

    /** Debian's interpreter: the python3 first on PATH may be another build without aiortc. */
    static final String PYTHON = "/usr/bin/python3";

    private final ExternalProcess process;
    private final Path out;
    private final Path err;

    private Aiortc(ExternalProcess process, Path out, Path err) {
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
        List<String> command = new ArrayList<>(prefix);
        command.add(ExternalProcess.binary(PYTHON, "python3-aiortc").toString());
        command.add(root.resolve("examples/aiortc/icemesh_client.py").toString());
        command.addAll(args);
        Path out = Files.createTempFile("aiortc-", ".out");
        Path err = Files.createTempFile("aiortc-", ".err");
        Path workDir = Path.of("").toAbsolutePath();
        return new Aiortc(ExternalProcess.start(command, Map.of(), workDir, out, err), out, err);
    }

    /** Starts the client and waits for its result. */
    static JsonNode run(Path root, int signalingPort, String... args) throws Exception {
        try (Aiortc client = start(root, signalingPort, args)) {
            return client.result();
        }
    }

    /** What the client printed on stderr so far (for failure messages). */
    String stderr() {
        return process.stderr();
    }

    /** True once the client has printed that it joined its room. */
    boolean joined() {
        return process.stdout().contains("{\"joined\": ");
    }

    /**
     * The latest JSON line the client printed that has the given field ("received" once a second, "offered" when it
     * offered), or null when there is none yet.
     */
    JsonNode latest(String field) {
        String[] lines = process.stdout().split("\n");
        ObjectMapper json = new ObjectMapper();
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].trim();
            if (!line.startsWith("{")) {
                continue;
            }
            try {
                JsonNode node = json.readTree(line);
                if (node.has(field)) {
                    return node;
                }
            } catch (JsonProcessingException e) {
                // the line being written right now
            }
        }
        return null;
    }

    /** Asks the client to leave now (SIGTERM) and returns its result line. */
    JsonNode stop() throws Exception {
        process.terminate();
        return result();
    }

    /** Waits (at most 90 s) for the client to finish and returns its result line. */
    JsonNode result() throws Exception {
        int exit = process.waitFor(90, TimeUnit.SECONDS);
        String stdout = process.stdout().trim();
        if (stdout.isEmpty()) {
            throw new AssertionError("aiortc client failed (" + exit + "):\n" + process.stderr());
        }
        String[] lines = stdout.split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Override
    public void close() throws Exception {
        process.close();
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}
