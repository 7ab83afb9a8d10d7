package io.icemesh.monitor;

import static io.restassured.RestAssured.get;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the application's /q/metrics (Prometheus text format) in tests. */
public final class MetricsScrape {

    private static final Pattern SAMPLE = Pattern.compile(
            "(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ([-+0-9.eEaInNf]+)(?: \\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String body;

    private MetricsScrape(String body) {
        this.body = body;
    }

    public static MetricsScrape now() {
        return new MetricsScrape(get("/q/metrics").then().statusCode(200).extract().asString());
    }

    /**
     * The sum of the samples of {@code name} whose labels include all of {@code labels} (an "le" label is
     * compared as a number); 0 when none.
     */
    public double value(String name, String... labels) {
        Map<String, String> wanted = new HashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        double sum = 0;
        Matcher m = SAMPLE.matcher(body);
        while (m.find()) {
            if (m.group(1).equals(name) && matches(parseLabels(m.group(2)), wanted)) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }

    /** Every metric name in the scrape (with _bucket, _count, _sum, _total suffixes as exported). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        Matcher m = SAMPLE.matcher(body);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static boolean matches(Map<String, String> actual, Map<String, String> wanted) {
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            String a = actual.get(w.getKey());
            if (a == null) {
                return false;
            }
            boolean same = w.getKey().equals("le") && !a.equals("+Inf") && !w.getValue().equals("+Inf")
                    ? Double.parseDouble(a) == Double.parseDouble(w.getValue())
                    : a.equals(w.getValue());
            if (!same) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> parseLabels(String s) {
        Map<String, String> labels = new HashMap<>();
        if (s != null) {
            Matcher m = LABEL.matcher(s);
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
        }
        return labels;
    }
}
