package io.icemesh.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

/**
 * The package dependencies of compiled classes, as the JDK's own {@code jdeps} reads them from the bytecode (so a
 * fully qualified name counts like an import), and the cycles among them. A service's test asserts it has none.
 */
public final class PackageCycles {

    private PackageCycles() {
    }

    /** Package to the packages it uses, among those starting with {@code prefix}, read from {@code classes}. */
    public static Map<String, Set<String>> dependencies(Path classes, String prefix) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("this JDK has no jdeps tool"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", classes.toString());
        if (rc != 0) {
            throw new IllegalStateException("jdeps " + classes + " exited " + rc + ": " + err);
        }
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("->") && f[0].startsWith(prefix)) {
                graph.computeIfAbsent(f[0], k -> new TreeSet<>());
                if (f[2].startsWith(prefix) && !f[2].equals(f[0])) {
                    graph.get(f[0]).add(f[2]);
                }
            }
        }
        if (graph.isEmpty()) {
            throw new IllegalStateException("jdeps found no package under " + prefix + " in " + classes);
        }
        return graph;
    }

    /** The strongly connected groups of more than one package (Tarjan): each is a cycle to break. */
    public static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Tarjan t = new Tarjan(graph);
        for (String v : graph.keySet()) {
            if (!t.index.containsKey(v)) {
                t.visit(v);
            }
        }
        return t.groups;
    }

    private static final class Tarjan {
        final Map<String, Set<String>> graph;
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new HashSet<>();
        final List<Set<String>> groups = new ArrayList<>();
        int next;

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        void visit(String v) {
            index.put(v, next);
            low.put(v, next);
            next++;
            stack.push(v);
            onStack.add(v);
            for (String w : graph.getOrDefault(v, Set.of())) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> group = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    group.add(w);
                } while (!w.equals(v));
                if (group.size() > 1) {
                    groups.add(group);
                }
            }
        }
    }
}
