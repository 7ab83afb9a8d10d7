package io.icemesh.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout these tests check (the reactor root, passed by Maven as {@code icemesh.root}). */
final class Repo {

    static final Path ROOT = locate();

    private Repo() {
    }

    private static Path locate() {
        String configured = System.getProperty("icemesh.root");
        Path root = configured != null ? Path.of(configured) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("k8s/base/kustomization.yaml"))) {
            throw new IllegalStateException("not an icemesh checkout (no k8s/base/kustomization.yaml): " + root);
        }
        return root;
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
