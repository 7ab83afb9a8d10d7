package io.icemesh.events.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class NativeReflectionTest {

    @Test
    void everyRecordAndEnumOfTheContractIsRegisteredForNativeImages() throws URISyntaxException {
        Path classes = Path.of(Topics.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/icemesh/events/v1");
        Set<String> contract = new TreeSet<>();
        // Nested records and enums too (DoctorReport$UrlVerdict); anonymous classes ($1) are neither.
        for (File f : classes.toFile().listFiles((dir, name) -> name.endsWith(".class")
                && !name.matches(".*\\$\\d+\\.class"))) {
            try {
                Class<?> c = Class.forName("io.icemesh.events.v1." + f.getName().replace(".class", ""));
                if (c.isRecord() || c.isEnum()) {
                    contract.add(c.getSimpleName());
                }
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
        }
        Set<String> registered = new TreeSet<>();
        Arrays.stream(NativeReflection.class.getAnnotation(RegisterForReflection.class).targets())
                .forEach(c -> registered.add(c.getSimpleName()));
        assertEquals(contract, registered, "records and enums the event ObjectMapper handles, registered for native");
    }
}
