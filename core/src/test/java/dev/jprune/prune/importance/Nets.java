package dev.jprune.prune.importance;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small graphs with hand-set weights for the importance tests. */
final class Nets {

    private Nets() {
    }

    /**
     * conv1 (2→3, 1x1, bias) → bn1 → relu → conv2 (3→2, 1x1, no bias). conv1 rows {@code [1,2],[0,-1],[3,1]}, bias
     * {@code [1,-2,0.5]}; bn1 gamma {@code [2,-1,0.5]}, beta {@code [0,1,-1]}; conv2 rows {@code [1,0,2],[-1,1,1]}.
     */
    static Graph convBnConv() {
        GraphBuilder b = new GraphBuilder("cbc");
        Value x = b.input("x", Shape.of(2, 2, 3, 3));
        Value h = b.module("conv1", Conv2d.of(2, 3, 1, 1, 0, true), x);
        h = b.module("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(3), h));
        Graph g = b.build(b.module("conv2", Conv2d.of(3, 2, 1, 1, 0, false), h));
        RandomInit.fill(g, 3);
        set(g, "conv1.weight", 1, 2, 0, -1, 3, 1);
        set(g, "conv1.bias", 1, -2, 0.5f);
        set(g, "bn1.weight", 2, -1, 0.5f);
        set(g, "bn1.bias", 0, 1, -1);
        set(g, "conv2.weight", 1, 0, 2, -1, 1, 1);
        return g;
    }

    /** conv0 (2→4) → grouped conv (4→4, groups 2, no bias) → conv2 (4→2). */
    static Graph groupedConv() {
        GraphBuilder b = new GraphBuilder("grouped");
        Value x = b.input("x", Shape.of(1, 2, 3, 3));
        Value h = b.module("conv0", Conv2d.of(2, 4, 1, 1, 0, false), x);
        h = b.module("gconv", Conv2d.of(4, 4, 1, 1, 0, 2, false), h);
        Graph g = b.build(b.module("conv2", Conv2d.of(4, 2, 1, 1, 0, false), h));
        RandomInit.fill(g, 4);
        set(g, "conv0.weight", 1, 0, 0, 1, 2, 2, -1, 3);
        // gconv weight (4, 2, 1, 1): out-channel o reads in-channels 2*(o/2) + {0, 1}
        set(g, "gconv.weight", 1, 2, -3, 1, 0, 2, 1, -1);
        return g;
    }

    /** convA (2→2) and convB (2→3) concatenated → convC (5→2), all 1x1 without bias. */
    static Graph concat() {
        GraphBuilder b = new GraphBuilder("cat");
        Value x = b.input("x", Shape.of(1, 2, 3, 3));
        Value a = b.module("convA", Conv2d.of(2, 2, 1, 1, 0, false), x);
        Value c = b.module("convB", Conv2d.of(2, 3, 1, 1, 0, false), x);
        Value cat = b.call("cat", new Concat(1), a, c);
        Graph g = b.build(b.module("convC", Conv2d.of(5, 2, 1, 1, 0, false), cat));
        RandomInit.fill(g, 5);
        set(g, "convA.weight", 1, 1, 1, 1);
        set(g, "convB.weight", 1, -2, 0, 3, 2, 2);
        set(g, "convC.weight", 9, 9, 1, 2, -3, 9, 9, 4, 0, 1);
        return g;
    }

    /** conv0 (2→3) → depthwise 3x3 conv (groups 3, no bias) → conv2 (3→2). */
    static Graph depthwise() {
        GraphBuilder b = new GraphBuilder("dw");
        Value x = b.input("x", Shape.of(1, 2, 4, 4));
        Value h = b.module("conv0", Conv2d.of(2, 3, 1, 1, 0, false), x);
        h = b.module("dw", Conv2d.of(3, 3, 3, 1, 1, 3, false), h);
        Graph g = b.build(b.module("conv2", Conv2d.of(3, 2, 1, 1, 0, false), h));
        RandomInit.fill(g, 6);
        set(g, "conv0.weight", 1, 0, 0, 2, 1, 1);
        float[] dw = new float[27];
        for (int i = 0; i < 27; i++) {
            dw[i] = (i % 9 == 4) ? (i / 9 + 1) : 0f; // centre taps 1, 2, 3
        }
        set(g, "dw.weight", dw);
        set(g, "conv2.weight", 1, 1, 1, 0, 1, -2);
        return g;
    }

    /** linear (4→3) → layernorm (3) → head (3→2). */
    static Graph linearLayerNorm() {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", Shape.of(2, 4));
        Value h = b.module("fc", Linear.of(4, 3, true), x);
        h = b.module("ln", LayerNorm.of(3), h);
        Graph g = b.build(b.module("head", Linear.of(3, 2, false), h));
        RandomInit.fill(g, 8);
        return g;
    }

    /** Sets parameter {@code name} to {@code values}, keeping its shape. */
    static void set(Graph g, String name, float... values) {
        Parameter p = g.stateDict().get(name);
        assertTrue(p != null && p.value().numel() == values.length, name);
        p.setValue(Tensor.of(p.value().shape(), values));
    }
}
