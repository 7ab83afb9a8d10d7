package io.icemesh.deploy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A service's configuration as its code defines it: the {@code @ConfigMapping} interface (compiled here from the
 * service's own source) and its {@code application.properties} in the prod profile. From them come the keys a
 * deployment must set, and, for a given environment (a container's env, a compose service's environment), the
 * effective configuration as SmallRye Config (what Quarkus uses) resolves it.
 */
final class ServiceConfig {

    /** Values Quarkus itself supplies at run time and properties may refer to. */
    private static final Map<String, String> QUARKUS_RUNTIME = Map.of("quarkus.uuid", "00000000-0000-0000-0000-000000000000");
    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^:}$]+)(:[^}]*)?}");
    private static final Pattern LOOPBACK = Pattern.compile("\\b(127\\.0\\.0\\.1|localhost)\\b");
    private static final Map<Services, ServiceConfig> CACHE = new EnumMap<>(Services.class);

    final Services service;
    private final Class<?> mapping;
    private final String prefix;
    /** application.properties, every key as written (profile prefixes included). */
    private final Map<String, String> properties;
    /** Mapping leaves with no default, dotted names. */
    private final Set<String> mappingRequired = new TreeSet<>();
    /** Every mapping leaf (dotted) and map prefix (ending in "."). */
    private final Set<String> mappingKeys = new TreeSet<>();

    private ServiceConfig(Services service, Class<?> mapping) {
        this.service = service;
        this.mapping = mapping;
        this.prefix = mapping.getAnnotation(ConfigMapping.class).prefix();
        this.properties = load(service.applicationProperties());
        walk(mapping, prefix);
    }

    static synchronized ServiceConfig of(Services service) {
        if (CACHE.isEmpty()) {
            Map<Services, Class<?>> classes = Mappings.compile();
            for (Services s : Services.values()) {
                CACHE.put(s, new ServiceConfig(s, classes.get(s)));
            }
        }
        return CACHE.get(service);
    }

    /**
     * Keys with no value in the prod profile: mapping leaves without a default that application.properties does
     * not set, and names that a prod property refers to as ${name} with no default.
     */
    Set<String> requiredKeys() {
        Set<String> required = new TreeSet<>();
        for (String key : mappingRequired) {
            if (prodValue(key) == null) {
                required.add(key);
            }
        }
        for (Map.Entry<String, String> e : prodProperties().entrySet()) {
            Matcher m = EXPRESSION.matcher(e.getValue());
            while (m.find()) {
                String name = m.group(1);
                if (m.group(2) == null && prodValue(name) == null && !QUARKUS_RUNTIME.containsKey(name)) {
                    required.add(name);
                }
            }
        }
        return required;
    }

    /** Keys whose prod value (or the default inside it) points at loopback: fine for ./icemesh up, never in a cluster. */
    Set<String> loopbackKeys() {
        Set<String> keys = new TreeSet<>();
        prodProperties().forEach((k, v) -> {
            if (LOOPBACK.matcher(v).find()) {
                keys.add(k);
            }
        });
        return keys;
    }

    /** Whether an environment variable name sets something this service reads (catches typos in manifests). */
    boolean knowsEnv(String name) {
        if (name.startsWith("QUARKUS_")) {
            return true;
        }
        for (String key : mappingKeys) {
            if (key.endsWith(".") ? name.startsWith(envName(key)) : name.equals(envName(key))) {
                return true;
            }
        }
        for (String key : properties.keySet()) {
            if (name.equals(envName(stripProfile(key)))) {
                return true;
            }
        }
        for (String value : properties.values()) {
            Matcher m = EXPRESSION.matcher(value);
            while (m.find()) {
                if (name.equals(m.group(1)) || name.equals(envName(m.group(1)))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** SmallRye Config's environment variable name for a dotted key. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    /** The configuration this service starts with in the prod profile under {@code env}. */
    Effective resolve(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        SmallRyeConfig config;
        try {
            config = new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withProfile("prod")
                    .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                    .withSources(new EnvConfigSource(env, 300))
                    .withSources(new PropertiesConfigSource(QUARKUS_RUNTIME, "quarkus-runtime", 0))
                    .withConverter(Duration.class, 200, ServiceConfig::duration)
                    .withMapping(mapping)
                    .withValidateUnknown(false)
                    .build();
            config.getConfigMapping(mapping);
        } catch (RuntimeException e) {
            StringBuilder why = new StringBuilder(String.valueOf(e.getMessage()));
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                why.append(" <- ").append(c);
            }
            problems.add(service.module + " would not start: " + why);
            return new Effective(null, problems);
        }
        for (String key : prodProperties().keySet()) {
            try {
                config.getValue(key, String.class);
            } catch (RuntimeException e) {
                problems.add(service.module + ": " + key + " cannot be resolved: " + e.getMessage());
            }
        }
        for (String key : loopbackKeys()) {
            String value = config.getOptionalValue(key, String.class).orElse("");
            if (LOOPBACK.matcher(value).find()) {
                problems.add(service.module + ": " + key + " is still " + value + " (set " + envName(key) + ")");
            }
        }
        return new Effective(config, problems);
    }

    /** A resolved configuration and what is wrong with it. */
    record Effective(SmallRyeConfig config, List<String> problems) {

        int httpPort() {
            return config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        }

        int intValue(String key) {
            return config.getValue(key, Integer.class);
        }

        Duration durationValue(String key) {
            return config.getValue(key, Duration.class);
        }

        /** Quarkus' shutdown wait for in-flight requests (quarkus.shutdown.timeout); none when unset. */
        Duration shutdownTimeout() {
            return config.getOptionalValue("quarkus.shutdown.timeout", Duration.class).orElse(Duration.ZERO);
        }

        /** /q/health/{live,ready,started} under this service's configured roots. */
        String healthPath(String kind) {
            String root = config.getOptionalValue("quarkus.http.non-application-root-path", String.class).orElse("q");
            String health = config.getOptionalValue("quarkus.smallrye-health.root-path", String.class).orElse("health");
            String leaf = config.getOptionalValue("quarkus.smallrye-health." + kind + "-path", String.class)
                    .orElse(Map.of("liveness", "live", "readiness", "ready", "startup", "started").get(kind));
            return "/" + trim(root) + "/" + trim(health) + "/" + trim(leaf);
        }

        private static String trim(String s) {
            return s.replaceAll("^/+|/+$", "");
        }
    }

    private String prodValue(String key) {
        Map<String, String> prod = prodProperties();
        return prod.get(key);
    }

    /** application.properties as the prod profile sees it: plain keys, overridden by %prod keys. */
    private Map<String, String> prodProperties() {
        Map<String, String> prod = new LinkedHashMap<>();
        properties.forEach((k, v) -> {
            if (!k.startsWith("%")) {
                prod.put(k, v);
            }
        });
        properties.forEach((k, v) -> {
            if (k.startsWith("%") && List.of(k.substring(1, k.indexOf('.')).split(",")).contains("prod")) {
                prod.put(stripProfile(k), v);
            }
        });
        return prod;
    }

    private static String stripProfile(String key) {
        return key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key;
    }

    private void walk(Class<?> type, String path) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            WithName withName = m.getAnnotation(WithName.class);
            String key = path + "." + (withName != null ? withName.value() : kebab(m.getName()));
            Class<?> result = m.getReturnType();
            if (result.isInterface() && !result.getName().startsWith("java.")) {
                walk(result, key);
            } else if (Map.class.isAssignableFrom(result)) {
                mappingKeys.add(key + ".");
            } else {
                mappingKeys.add(key);
                boolean optional = result == Optional.class || result == OptionalInt.class
                        || result == OptionalLong.class || result == OptionalDouble.class;
                if (!optional && m.getAnnotation(WithDefault.class) == null) {
                    mappingRequired.add(key);
                }
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static Map<String, String> load(String relative) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(Repo.read(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
        return map;
    }

    /** Quarkus' duration syntax: a number of seconds, a number with ms/s/m/h/d, or ISO-8601. */
    private static Duration duration(String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            return null;
        }
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)?").matcher(v);
        if (!m.matches()) {
            return Duration.parse(v.startsWith("P") ? v : "PT" + v);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Compiles the services' @ConfigMapping sources (they need only SmallRye Config's annotations and the JDK). */
    private static final class Mappings {

        static Map<Services, Class<?>> compile() {
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("no Java compiler in this JVM: run the tests on a JDK, not a JRE");
            }
            try {
                Path out = Files.createTempDirectory("icemesh-config-mappings");
                String annotations = Path.of(ConfigMapping.class.getProtectionDomain().getCodeSource().getLocation()
                        .toURI()).toString();
                List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", annotations,
                        "-proc:none", "--release", "17", "-nowarn"));
                for (Services s : Services.values()) {
                    args.add(Repo.path(s.configSource).toString());
                }
                java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
                int rc = javac.run(null, null, err, args.toArray(String[]::new));
                if (rc != 0) {
                    throw new IllegalStateException("compiling the services' config mappings failed:\n" + err);
                }
                URLClassLoader loader = new URLClassLoader(new java.net.URL[] {out.toUri().toURL()},
                        ServiceConfig.class.getClassLoader());
                Map<Services, Class<?>> classes = new EnumMap<>(Services.class);
                for (Services s : Services.values()) {
                    classes.put(s, Class.forName(s.configClass, true, loader));
                }
                return classes;
            } catch (IOException | ReflectiveOperationException | java.net.URISyntaxException e) {
                throw new IllegalStateException("cannot load the services' config mappings", e);
            }
        }
    }
}
