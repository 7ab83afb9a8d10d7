package io.icemesh.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.icemesh.testkit.PackageCycles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * media-service's packages point one way (media-service/README.md, "Layers"): the track model below the per-stream
 * state, endpoints above both, rooms and the forwarding path on top, the node over all. A cycle makes every package
 * in it one unit to read and to change.
 */
class PackageCyclesTest {

    @Test
    void mediaServiceHasNoPackageCycle() {
        Map<String, Set<String>> graph = PackageCycles.dependencies(Path.of("target/classes"), "io.icemesh.media");
        assertTrue(graph.containsKey("io.icemesh.media.forward"), "jdeps read the forwarding package: " + graph);
        assertTrue(graph.get("io.icemesh.media.forward").contains("io.icemesh.media.stream"), graph.toString());
        assertEquals(List.of(), PackageCycles.cycles(graph), "package cycles in media-service");
    }

    @Test
    void aCycleThroughThreePackagesIsFoundWhole() {
        Map<String, Set<String>> graph = Map.of(
                "a", Set.of("b"),
                "b", Set.of("c", "d"),
                "c", Set.of("a"),
                "d", Set.of());
        assertEquals(List.of(Set.of("a", "b", "c")), PackageCycles.cycles(graph));
    }
}
