package io.icemesh.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.icemesh.loadgen.LoadGen;
import io.icemesh.testkit.ExternalProcess;
import io.icemesh.testkit.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Java SFU load generator against Janus's videoroom (Debian's janus, configured as bench/sfu/sfu-vs-janus.sh
 * does): the same tool, unchanged, must hold a publisher and subscribers on a server we did not write, so that its
 * figures against media-service compare with Janus's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JanusLoadGenTest {

    private Path work;
    private ExternalProcess janus;
    private int wsPort;

    @BeforeAll
    void startJanus() throws Exception {
        Path root = Mesh.findRoot();
        Path janusBin = ExternalProcess.binary("janus", "janus");
        Path gcc = ExternalProcess.binary("gcc", "gcc");
        work = Files.createTempDirectory("icemesh-janus-test-");
        Path preload = work.resolve("lo_not_loopback.so");
        Path log = work.resolve("build.log");
        assertEquals(0, ExternalProcess.run(log, List.of(gcc.toString(), "-shared", "-fPIC", "-O2", "-o",
                preload.toString(), root.resolve("bench/sfu/lo_not_loopback.c").toString(), "-ldl"), 120),
                () -> read(log));
        // outside the ephemeral range, so that nothing takes them before Janus binds them (FreePorts)
        int[] ports = FreePorts.tcpAndUdp(3);
        wsPort = ports[0];
        int adminPort = ports[1];
        int rtp = ports[2];
        assertEquals(0, ExternalProcess.run(log, List.of(root.resolve("bench/sfu/janus-config.sh").toString(),
                work.resolve("janus").toString(), Integer.toString(wsPort), Integer.toString(adminPort),
                // a range of RTP ports above a free one; Janus skips ports it cannot bind
                rtp + "-" + Math.min(65535, rtp + 400), "test-admin-secret"), 60), () -> read(log));
        janus = ExternalProcess.start(List.of(janusBin.toString(), "-F", work.resolve("janus").toString(), "-C",
                work.resolve("janus/janus.jcfg").toString(), "-o"), Map.of("LD_PRELOAD", preload.toString()), work,
                work.resolve("janus.out"), work.resolve("janus.err"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> listening(wsPort) || !janus.isAlive());
        assertTrue(janus.isAlive(), () -> "janus exited: " + janus.output());
    }

    @AfterAll
    void stopJanus() {
        if (janus != null) {
            janus.close();
        }
    }

    /** A publisher and three subscribers on Janus: the same checks as against media-service (SfuCallTest). */
    @Test
    void theLoadGeneratorsSubscribersReceiveWhatItsPublisherSendsThroughJanus() throws Exception {
        JsonNode r = LoadGen.run(LoadGenRuns.options("janus", "ws://127.0.0.1:" + wsPort, 3, janus.pid()));
        LoadGenRuns.assertHealthy(r, 3);
        assertTrue(r.path("server_cores").asDouble() > 0, r.toString());
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
