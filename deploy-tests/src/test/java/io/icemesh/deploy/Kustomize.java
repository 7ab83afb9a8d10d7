package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Renders k8s/ overlays with kubectl's built-in kustomize (offline), once per overlay per test JVM. */
final class Kustomize {

    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)\\.");
    private static final Map<String, List<JsonNode>> RENDERED = new ConcurrentHashMap<>();

    private Kustomize() {
    }

    /** Every directory under k8s/overlays. */
    static List<String> overlays() {
        try (Stream<Path> dirs = Files.list(Repo.path("k8s/overlays"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects {@code kubectl kustomize k8s/overlays/<overlay>} prints. */
    static List<JsonNode> render(String overlay) {
        return RENDERED.computeIfAbsent(overlay, Kustomize::renderNow);
    }

    private static List<JsonNode> renderNow(String overlay) {
        Path kubectl = Tools.require("kubectl",
                "kubectl 1.27 or newer (kustomize 5, which understands components) is needed to render k8s/");
        Tools.Result version = Tools.run(Tools.command(kubectl, "version", "--client"), Map.of(), Repo.ROOT);
        Matcher m = KUSTOMIZE_VERSION.matcher(version.stdout());
        assertTrue(m.find() && Integer.parseInt(m.group(1)) >= 5,
                "kubectl's kustomize must be v5 or newer (components, replacements); kubectl version says: "
                        + version.stdout() + version.stderr());
        Tools.Result r = Tools.run(Tools.command(kubectl, "kustomize", "k8s/overlays/" + overlay), Map.of(),
                Repo.ROOT);
        assertEquals(0, r.exitCode(), "kubectl kustomize k8s/overlays/" + overlay + " failed:\n" + r.stderr());
        return Yaml.readAll(r.stdout());
    }
}
