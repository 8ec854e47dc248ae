package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.LayerNorm2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Mean;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.names;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Axis rules of {@link Mean} (ShuffleNetV2's {@code x.mean([2, 3])}: kept axes are the identity, shifted past the
 * dropped ones; reduced axes cannot lose indices) and {@link LayerNorm2d} (ConvNeXt's channels-first LayerNorm:
 * the identity on every axis, its channel axis slicing {@code weight} and {@code bias}).
 */
class MeanLayerNorm2dRulesTest {

    private static Map<String, Indices> links(Node n, Port from, int axis, Indices removed) {
        Map<String, Indices> m = new TreeMap<>();
        n.op().linkAxes(n, from, axis, removed, (p, a, i) -> m.merge(p + " axis " + a, i, Indices::union));
        return m;
    }

    private static Node single(dev.jprune.ir.Op op, Shape in) {
        GraphBuilder b = new GraphBuilder("single");
        return b.build(b.call("n", op, b.input("x", in))).requireNode("n");
    }

    @Test
    void meanMapsKeptAxesPastTheReducedOnes() {
        Indices r = Indices.of(1, 3);
        Node drop = single(Mean.of(1, 3), Shape.of(2, 5, 6, 7));
        assertEquals(Map.of("in0 axis 2", r, "out0 axis 1", r), links(drop, Port.in(0), 2, r));
        assertEquals(Map.of("in0 axis 2", r, "out0 axis 1", r), links(drop, Port.out(0), 1, r));
        assertEquals(Map.of("in0 axis 0", r, "out0 axis 0", r), links(drop, Port.out(0), 0, r));
        Node keep = single(new Mean(new int[] {1, 3}, true), Shape.of(2, 5, 6, 7));
        assertEquals(Map.of("in0 axis 2", r, "out0 axis 2", r), links(keep, Port.in(0), 2, r));
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> links(drop, Port.in(0), 3, r));
        assertTrue(e.getMessage().contains("Mean at n") && e.getMessage().contains("reduced"), e.getMessage());
        assertThrows(UnsupportedAxisException.class, () -> links(keep, Port.out(0), 1, Indices.of(0)));
    }

    /** x → conv (3 → 8) → mean over H, W → fc (8 → 4), as ShuffleNetV2's head. */
    @Test
    void channelsThroughAGlobalMeanArePrunedWithTheLinearInputs() {
        GraphBuilder b = new GraphBuilder("head");
        Value x = b.input("x", Shape.of(2, 3, 5, 5));
        Value y = b.module("conv", Conv2d.of(3, 8, 3, 1, 1, true), x);
        y = b.call("mean", Mean.of(2, 3), y);
        Graph g = b.build(b.module("fc", Linear.of(8, 4, true), y));
        randomize(g, SEED + 301);
        Group group = new DependencyGraph(g).pruningGroup("conv", Side.OUT, 2, 5, 6);
        assertEquals(List.of("conv out", "mean out", "fc in"), names(group), group.details());
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 3, 5, 5), SEED + 302));
        assertEquals(Shape.of(4, 5), g.stateDict().get("fc.weight").value().shape());
        assertEquals(Shape.of(2, 5), g.requireNode("mean").output(0).shape());
    }

    private static Graph lnGraph(int channels) {
        GraphBuilder b = new GraphBuilder("ln2d");
        Value x = b.input("x", Shape.of(2, 3, 4, 4));
        Value y = b.module("conv1", Conv2d.of(3, channels, 3, 1, 1, true), x);
        y = b.module("norm", new LayerNorm2d(channels, 1e-6), y);
        return b.build(b.module("conv2", Conv2d.of(channels, 2, 1, 1, 0, true), y));
    }

    /**
     * Pruning channels of a LayerNorm2d's group slices its weight and bias, and the pruned graph computes exactly
     * what a graph built with the kept channels computes (normalising over the kept channels only, which is why
     * zeroed channels are not equivalent here and the zoo invariant leaves such groups out).
     */
    @Test
    void layerNorm2dLosesItsChannelsAndEqualsTheSmallerNetwork() {
        Graph g = lnGraph(6);
        randomize(g, SEED + 303);
        Node norm = g.requireNode("norm");
        Indices r = Indices.of(1, 4);
        for (int axis = 0; axis < 4; axis++) {
            Indices i = Indices.of(1);
            assertEquals(Map.of("in0 axis " + axis, i, "out0 axis " + axis, i), links(norm, Port.out(0), axis, i));
        }
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, r.indices());
        assertEquals(List.of("conv1 out", "norm out", "conv2 in"), names(group), group.details());

        Graph small = lnGraph(4);
        int[] keep = r.complement(6);
        for (Map.Entry<String, Parameter> e : small.stateDict().entrySet()) {
            Tensor full = g.stateDict().get(e.getKey()).value();
            float[] dst = e.getValue().value().data();
            int axis = e.getKey().startsWith("conv2.weight") ? 1 : e.getKey().startsWith("conv2") ? -1 : 0;
            copyKept(full, axis, keep, dst);
        }
        group.prune();
        assertEquals(new LayerNorm2d(4, 1e-6), norm.op());
        for (String k : List.of("norm.weight", "norm.bias", "conv1.weight", "conv2.weight")) {
            assertArrayEquals(small.stateDict().get(k).value().data(), g.stateDict().get(k).value().data(), k);
        }
        Tensor x = input(Shape.of(2, 3, 4, 4), SEED + 304);
        assertArrayEquals(Executor.run(small, x)[0].data(), Executor.run(g, x)[0].data());
    }

    /** Copies {@code full} into {@code dst} keeping only {@code keep} along {@code axis} (-1: everything). */
    private static void copyKept(Tensor full, int axis, int[] keep, float[] dst) {
        if (axis < 0) {
            System.arraycopy(full.data(), 0, dst, 0, dst.length);
            return;
        }
        int[] dims = full.shape().dims();
        int outer = 1;
        for (int a = 0; a < axis; a++) {
            outer *= dims[a];
        }
        int inner = 1;
        for (int a = axis + 1; a < dims.length; a++) {
            inner *= dims[a];
        }
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (int c : keep) {
                System.arraycopy(full.data(), (o * dims[axis] + c) * inner, dst, k, inner);
                k += inner;
            }
        }
    }
}
