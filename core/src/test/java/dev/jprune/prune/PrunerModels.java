package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.prune.importance.Importance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;

import java.util.Map;

/** Small graphs and importances for the pruner tests (independent of the importance package's criteria). */
final class PrunerModels {

    private PrunerModels() {
    }

    /**
     * stem (3→8) → bn → relu → [block.conva (8→8) → block.bna] + identity → relu2 → convb (8→6) → bnb → relu3 →
     * head (6→4, graph output). Groups: {@code stem} (8 channels, the residual stage) and {@code convb} (6).
     */
    static Graph residual(long seed) {
        GraphBuilder b = new GraphBuilder("residual");
        Value x = b.input("x", Shape.of(1, 3, 8, 8));
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(8),
                b.module("stem", Conv2d.of(3, 8, 3, 1, 1, false), x)));
        Value a;
        try (GraphBuilder.Scope sc = b.scope("block")) {
            a = b.module("bna", BatchNorm2d.of(8), b.module("conva", Conv2d.of(8, 8, 3, 1, 1, false), s));
        }
        Value r = b.module("relu2", new ReLU(), b.call("add", new Add(), a, s));
        Value c = b.module("relu3", new ReLU(), b.module("bnb", BatchNorm2d.of(6),
                b.module("convb", Conv2d.of(8, 6, 1, 1, 0, false), r)));
        Graph g = b.build(b.module("head", Conv2d.of(6, 4, 1, 1, 0, true), c));
        RandomInit.fill(g, seed);
        return g;
    }

    /**
     * A plain chain c0 (3→8) → bn0 → relu0 → c1 (8→8) → bn1 → relu1 → c2 (8→8) → bn2 → relu2 → c3 (8→8) → relu3
     * → head (8→2). Groups c0, c1, c2 share one structure (conv, bn, relu, conv in); c3 has no BatchNorm.
     */
    static Graph chain(long seed) {
        GraphBuilder b = new GraphBuilder("chain");
        Value x = b.input("x", Shape.of(1, 3, 6, 6));
        x = b.module("c0", Conv2d.of(3, 8, 3, 1, 1, false), x);
        for (int i = 0; i < 3; i++) {
            x = b.module("relu" + i, new ReLU(), b.module("bn" + i, BatchNorm2d.of(8), x));
            if (i < 2) {
                x = b.module("c" + (i + 1), Conv2d.of(8, 8, 3, 1, 1, false), x);
            }
        }
        x = b.module("relu3", new ReLU(), b.module("c3", Conv2d.of(8, 8, 1, 1, 0, false), x));
        Graph g = b.build(b.module("head", Conv2d.of(8, 2, 1, 1, 0, true), x));
        RandomInit.fill(g, seed);
        return g;
    }

    /** stem (3→8) → bn → relu → g (8→8, 2 groups) → bng → relug → head (8→4). */
    static Graph grouped(long seed) {
        GraphBuilder b = new GraphBuilder("grouped");
        Value x = b.input("x", Shape.of(1, 3, 6, 6));
        x = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(8), b.module("stem", Conv2d.of(3, 8, 3, 1, 1, false), x)));
        x = b.module("relug", new ReLU(), b.module("bng", BatchNorm2d.of(8), b.module("g", Conv2d.of(8, 8, 3, 1, 1, 2, false), x)));
        Graph g = b.build(b.module("head", Conv2d.of(8, 4, 1, 1, 0, true), x));
        RandomInit.fill(g, seed);
        return g;
    }

    /** Fixed scores per root layer; groups of other roots are skipped ({@code null}). */
    static Importance fixed(Map<String, float[]> byRoot) {
        return group -> {
            float[] s = byRoot.get(group.root().name());
            return s == null ? null : s.clone();
        };
    }

    /** The L2 norm of each output row of the root's weight (the root's own filters). */
    static Importance rootL2() {
        return PrunerModels::rootL2;
    }

    static float[] rootL2(Group group) {
        Tensor w = group.root().param("weight");
        int rows = w.dim(0);
        int inner = w.numel() / rows;
        int[] idx = group.rootIndices().indices();
        float[] out = new float[idx.length];
        for (int k = 0; k < idx.length; k++) {
            double s = 0;
            for (int j = 0; j < inner; j++) {
                double v = w.data()[idx[k] * inner + j];
                s += v * v;
            }
            out[k] = (float) Math.sqrt(s);
        }
        return out;
    }

    /** The size of axis 0 of a parameter. */
    static int rows(Graph g, String param) {
        return g.stateDict().get(param).value().dim(0);
    }
}
