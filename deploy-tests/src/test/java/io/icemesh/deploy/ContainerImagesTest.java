package io.icemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each service has a JVM and a native Dockerfile that build that service and expose the ports it listens on. */
class ContainerImagesTest {

    private static final Map<String, String> SECRETS = Map.of("ICEMESH_TURN_SECRET", "t".repeat(32),
            "ICEMESH_SIGNALING_AUTH_JWT_SECRET", "j".repeat(32), "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");

    @Test
    void jvmAndNativeDockerfilesBuildTheServiceAndExposeItsPorts() {
        for (Services s : Services.all()) {
            String jvm = Repo.read(s.module + "/src/main/docker/Dockerfile.jvm");
            String nativeFile = Repo.read(s.module + "/src/main/docker/Dockerfile.native");
            ServiceConfig.Effective c = ServiceConfig.of(s).resolve(SECRETS);
            String http = String.valueOf(c.httpPort());
            for (String file : new String[] {jvm, nativeFile}) {
                assertTrue(file.lines().anyMatch(l -> l.startsWith("EXPOSE") && l.contains(" " + http)),
                        s.module + ": a Dockerfile does not EXPOSE the HTTP port " + http);
                if (s == Services.TURN) {
                    assertTrue(file.contains("3478/udp") && file.contains("5349/tcp"), s.module + " EXPOSE");
                }
                if (s == Services.MEDIA) {
                    assertTrue(file.contains(c.intValue("icemesh.media.ice.udp-port") + "/udp"), s.module + " EXPOSE");
                }
            }
            assertTrue(jvm.contains("openjdk-17-runtime") && jvm.contains("target/quarkus-app/"), s.module + " JVM image");
            assertTrue(jvm.contains("ARG BASE_IMAGE=registry.access.redhat.com/ubi9/openjdk-17-runtime")
                    && jvm.contains("FROM ${BASE_IMAGE}"), s.module + ": the base is a build argument, public by default");
            assertTrue(jvm.lines().anyMatch(l -> l.equals("USER 185")), s.module + " JVM image runs as 185, not root");
            assertTrue(jvm.contains("HEALTHCHECK") && jvm.contains("/dev/tcp/127.0.0.1/${QUARKUS_HTTP_PORT:-" + http + "}")
                    && jvm.contains("GET /q/health/ready"),
                    s.module + ": the JVM image's health check asks /q/health/ready on the HTTP port " + http);
            assertTrue(nativeFile.contains("mandrel-builder-image") && nativeFile.contains("-pl " + s.module + " -am")
                    && nativeFile.contains("/project/" + s.module + "/target/*-runner")
                    && nativeFile.contains("-Dquarkus.native.enabled=true"), s.module + " native image");
        }
    }
}
