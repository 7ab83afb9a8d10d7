package io.icemesh.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.Command;
import io.icemesh.testkit.ExternalProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs examples/aiortc/test_icemesh_client.py with Debian's python3-aiortc: the aiortc client's fixes to aiortc 1.4's
 * jitter buffer (a video frame handed over at its marker) and to aioice 0.8's connect (no pacing wait after the
 * result), and its standby connection (made and gathering before a peer needs it), which ChromiumCallTest, SfuCallTest
 * and NatCallTest then use in whole calls.
 */
class AiortcClientUnitTest {

    @Test
    void theClientsFixesToAiortcPassTheirUnitTests() {
        Path examples = Mesh.findRoot().resolve("examples/aiortc");
        String python = ExternalProcess.binary(Aiortc.PYTHON, "python3-aiortc").toString();
        Command.Result r = Command.run(List.of(python, "-m", "unittest", "-v", "test_icemesh_client"), examples,
                Map.of("PYTHONDONTWRITEBYTECODE", "1"), Duration.ofMinutes(2));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Ran 16 tests"), "every test ran:\n" + r.output());
    }
}
