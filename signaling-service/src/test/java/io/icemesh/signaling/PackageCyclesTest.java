package io.icemesh.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.icemesh.testkit.PackageCycles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** signaling-service's packages point one way (the house rule in docs/architecture.md, "Code structure"). */
class PackageCyclesTest {

    @Test
    void noPackageCycle() {
        Map<String, Set<String>> graph = PackageCycles.dependencies(Path.of("target/classes"), "io.icemesh.signaling");
        assertEquals(List.of(), PackageCycles.cycles(graph), "package cycles in signaling-service: " + graph);
    }
}
