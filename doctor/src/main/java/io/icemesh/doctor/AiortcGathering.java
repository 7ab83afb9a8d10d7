package io.icemesh.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real aiortc gathering with the list ({@code --client aiortc}): Debian's python3-aiortc, a data channel,
 * {@code createOffer} and {@code setLocalDescription}, timed in Python. The interpreter is {@code ICEMESH_PYTHON},
 * else {@code /usr/bin/python3} (Debian's, where python3-aiortc installs), else {@code python3} on the PATH.
 */
final class AiortcGathering {

    private AiortcGathering() {
    }

    static Report.Measured run(List<IceServers.Entry> list, Duration timeout) {
        Path script = null;
        try {
            script = Files.createTempFile("icemesh-doctor-aiortc-", ".py");
            try (InputStream in = AiortcGathering.class.getResourceAsStream("aiortc_gather.py")) {
                Files.write(script, in.readAllBytes());
            }
            List<Object> servers = new ArrayList<>();
            for (IceServers.Entry e : list) {
                Map<String, Object> s = new java.util.LinkedHashMap<>();
                s.put("urls", e.urls());
                if (e.username() != null) {
                    s.put("username", e.username());
                    s.put("credential", e.credential());
                }
                servers.add(s);
            }
            // The list (with its credentials) goes to the child's stdin, never onto a command line others can read.
            Process p = new ProcessBuilder(python(), script.toString()).redirectErrorStream(true).start();
            try (var stdin = p.getOutputStream()) {
                stdin.write(Json.write(servers).getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Report.Measured(timeout.toMillis(), false, "aiortc had not finished gathering after "
                        + Report.seconds(timeout.toMillis()), List.of());
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String last = out.strip();
            last = last.substring(last.lastIndexOf('\n') + 1);
            if (p.exitValue() != 0 || !last.startsWith("{")) {
                return new Report.Measured(0, false, "aiortc could not run (" + python() + ", exit " + p.exitValue()
                        + "; is python3-aiortc installed?): " + out.strip(), List.of());
            }
            Map<?, ?> m = (Map<?, ?>) Json.parse(last);
            List<String> types = new ArrayList<>();
            for (Object t : (List<?>) m.get("candidateTypes")) {
                types.add(String.valueOf(t));
            }
            return new Report.Measured(((Number) m.get("gatheringMs")).doubleValue(), (Boolean) m.get("ok"),
                    (String) m.get("error"), types);
        } catch (IOException e) {
            return new Report.Measured(0, false, "aiortc could not run: " + e.getMessage(), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Report.Measured(0, false, "interrupted", List.of());
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    static String python() {
        String env = System.getenv("ICEMESH_PYTHON");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }
}
