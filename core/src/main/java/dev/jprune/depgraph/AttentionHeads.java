package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Finds the attention head reshapes of a graph: a {@code Reshape} whose output reaches an attention product
 * ({@code ScaledDotProductAttention}, or a {@code MatMul} of hand-written attention) through ops that only move,
 * scale or select (the head split of q, k and v), and a {@code Reshape} that a product's output reaches the same way
 * (the heads merged back). On these the split axis is {@code (…, heads, head_dim)}: the in-head axis is the last of
 * the split axes and the head axis the one before it, which is how PyTorch lays heads out.
 */
final class AttentionHeads {

    /** Ops between a head reshape and the attention product. */
    private static final Set<String> PASS = Set.of("Permute", "Transpose", "Mul", "Div", "Slice", "Split", "Squeeze",
            "Unsqueeze", "Identity", "Dropout");
    private static final Set<String> PRODUCTS = Set.of("ScaledDotProductAttention", "MatMul");

    private AttentionHeads() {
    }

    /** The head reshapes of {@code graph} (an identity set). */
    static Set<Node> find(Graph graph) {
        Set<Node> found = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node n : graph.nodes()) {
            if (!PRODUCTS.contains(n.op().type())) {
                continue;
            }
            for (Value in : n.inputs()) {
                walk(in, true, found);
            }
            for (Value out : n.outputs()) {
                walk(out, false, found);
            }
        }
        return found;
    }

    private static void walk(Value start, boolean backward, Set<Node> found) {
        Deque<Value> work = new ArrayDeque<>();
        Set<Value> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        work.add(start);
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (!seen.add(v)) {
                continue;
            }
            if (backward) {
                Node p = v.producer();
                if (p != null) {
                    visit(p, p.inputs(), work, found);
                }
            } else {
                for (Node c : v.consumers()) {
                    visit(c, c.outputs(), work, found);
                }
            }
        }
    }

    private static void visit(Node n, java.util.List<Value> next, Deque<Value> work, Set<Node> found) {
        String type = n.op().type();
        if (type.equals("Reshape")) {
            found.add(n);
        } else if (PASS.contains(type)) {
            work.addAll(next);
        }
    }
}
