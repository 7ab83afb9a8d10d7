package io.icemesh.turn.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every class the warm-up loads first is on the class path: a library upgrade that renames one makes this fail
 * instead of silently bringing back the recompilation it is there to avoid (docs/benchmarks.md).
 */
class WarmUpClassesTest {

    @Test
    void everyListedClassIsThereAndLoads() {
        List<String> missing = WarmUpClasses.NAMES.stream().filter(name -> {
            try {
                Class.forName(name, false, getClass().getClassLoader());
                return false;
            } catch (ClassNotFoundException e) {
                return true;
            }
        }).toList();
        assertTrue(missing.isEmpty(), "not on the class path: " + missing);
        assertEquals(WarmUpClasses.NAMES.size(), WarmUpClasses.load(getClass().getClassLoader()));
    }

    @Test
    void aClassThatIsNotThereIsSkipped() {
        long jdkClasses = WarmUpClasses.NAMES.stream().filter(n -> n.startsWith("java.") || n.startsWith("sun."))
                .count();
        assertEquals(jdkClasses, WarmUpClasses.load(new ClassLoader(null) {
        }), "a loader without the application's class path finds only the JDK's own; the others are skipped");
    }
}
