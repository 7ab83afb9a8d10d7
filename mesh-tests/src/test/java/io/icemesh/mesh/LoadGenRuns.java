package io.icemesh.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.loadgen.LoadGen;
import io.icemesh.testkit.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs of the Java SFU load generator (loadgen/) in tests: a short VP8 clip made once with Debian's libvpx (through
 * python3-av, as bench/sfu/vp8clip.py does for the benchmarks), and the checks every run must pass.
 */
final class LoadGenRuns {

    private static Path clip;

    private LoadGenRuns() {
    }

    /** A 2-second 360p clip at 600 kbit/s, made on first use into mesh-tests/target. */
    static synchronized Path clip() throws Exception {
        if (clip == null) {
            Path root = Mesh.findRoot();
            Path out = root.resolve("mesh-tests/target/loadgen-test-clip.vp8");
            Path log = Files.createTempFile("icemesh-vp8clip-", ".log");
            int rc = ExternalProcess.run(log, List.of(ExternalProcess.binary("/usr/bin/python3", "python3-av")
                    .toString(), root.resolve("bench/sfu/vp8clip.py").toString(), out.toString(), "--seconds", "2",
                    "--width", "640", "--height", "360", "--kbps", "600"), 120);
            assertEquals(0, rc, "vp8clip.py failed: " + Files.readString(log));
            clip = out;
        }
        return clip;
    }

    /** A run of one room: a publisher and {@code subscribers}, measured for 3 s after 1 s of warm-up. */
    static LoadGen.Options options(String server, String url, int subscribers, long serverPid) throws Exception {
        LoadGen.Options o = new LoadGen.Options();
        o.server = server;
        o.url = url;
        o.clip = clip();
        o.rooms = 1;
        o.subscribers = subscribers;
        o.warmupSeconds = 1;
        o.durationSeconds = 3;
        o.serverPid = serverPid;
        o.readySeconds = 90;
        return o;
    }

    /**
     * What a healthy run shows: nobody failed, nothing forged or mis-keyed, every subscriber got whole frames after a
     * keyframe for the whole run, and what the subscribers received is what the publisher sent, once per subscriber.
     */
    static void assertHealthy(JsonNode r, int subscribers) {
        String all = r.toString();
        assertEquals(0, r.path("failed").asInt(-1), all);
        assertEquals(0, r.path("auth_failures").asLong(-1), all);
        // 1 s of warm-up and 3 s measured at 30 frames per second: more than 90 frames each
        assertTrue(r.path("min_frames").asLong() >= 90, all);
        // sent and received are read at the same instants, so a keyframe burst in flight at either edge of the 3 s
        // moves the ratio by a few per cent; a server that forwarded to two of three subscribers would give 0.67
        double ratio = r.path("delivery_ratio").asDouble();
        assertTrue(ratio > 0.85 && ratio < 1.15, "subscribers received " + ratio + " of what was sent: " + all);
        assertTrue(r.path("received_mbps").asDouble() > 0.3 * subscribers, "a 0.6 Mbit/s clip to each: " + all);
        assertTrue(r.path("join_ms").path("first_frame").path("max").asDouble() > 0, all);
    }
}
