package dev.jprune.prune;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Resolves the layer names pruner options take: a node name, or a module path covering its sub-modules. */
final class LayerNames {

    private LayerNames() {
    }

    /** Whether {@code name} names {@code n}: its node name, its module, or a module it lies in. */
    static boolean covers(String name, Node n) {
        return n.name().equals(name) || n.moduleName().equals(name) || n.moduleName().startsWith(name + ".");
    }

    /**
     * The nodes each of {@code names} covers, in graph order, each once. Throws {@link IllegalArgumentException}
     * naming the option and every name that covers no node.
     */
    static List<Node> resolve(Graph graph, Collection<String> names, String option) {
        Set<Node> out = Collections.newSetFromMap(new IdentityHashMap<>());
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            boolean found = false;
            for (Node n : graph.nodes()) {
                if (covers(name, n)) {
                    found = true;
                    out.add(n);
                }
            }
            if (!found) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(option + ": no layer of " + graph.name() + " is named " + unknown
                    + " (expected node names or module paths)");
        }
        List<Node> ordered = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (out.contains(n)) {
                ordered.add(n);
            }
        }
        return ordered;
    }
}
