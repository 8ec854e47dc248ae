package dev.jprune.prune;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
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

    /**
     * The layers that produce the graph's outputs: walking back from each output through parameter-free ops, the
     * first node with parameters on every path (the classifier, say, also behind a softmax or a reshape).
     */
    static Set<String> outputLayers(Graph graph) {
        Set<String> out = new LinkedHashSet<>();
        Deque<Value> work = new ArrayDeque<>(graph.outputs());
        Set<Value> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (!seen.add(v) || v.producer() == null) {
                continue;
            }
            Node p = v.producer();
            if (!p.params().isEmpty()) {
                out.add(p.name());
            } else {
                work.addAll(p.inputs());
            }
        }
        return out;
    }
}
