package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Conv2d}'s grouped layouts: one input per group couples a channel to its whole group, inputs and outputs;
 * several inputs per group keep the inputs a separate member that loses the same position in every group, also
 * when each group has a single output (what pruning leaves of RegNet's grouped convolutions, which Torch-Pruning
 * still prunes by input position).
 */
class ScenarioGroupedConvRulesTest {

    private static final long SEED = 37;
    private static final Shape INPUT = Shape.of(2, 3, 5, 5);

    /** x → conv0 Conv2d(3, 8) → relu → g (the layer under test) → bn → relu → out Conv2d(gOut, 2). */
    private static Graph graph(Conv2d layer) {
        GraphBuilder b = new GraphBuilder("grouped");
        Value x = b.input("x", INPUT);
        Value h = b.call("relu", new ReLU(), b.module("conv0", Conv2d.of(3, 8, 3, 1, 1, true), x));
        h = b.module("g", layer, h);
        h = b.call("relu", new ReLU(), b.module("bn", BatchNorm2d.of(layer.outChannels()), h));
        Graph g = b.build(b.module("out", Conv2d.of(layer.outChannels(), 2, 3, 1, 1, true), h));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.5 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    private static Tensor randomInput() {
        Random r = new Random(SEED + 1);
        Tensor t = Tensor.zeros(INPUT);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static void assertSameOutput(Tensor ref, Tensor out) {
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        float worst = 0;
        for (int i = 0; i < ref.numel(); i++) {
            worst = Math.max(worst, Math.abs(ref.data()[i] - out.data()[i]));
        }
        assertTrue(worst <= tol, "max |difference| " + worst + " > " + tol + " (seed " + SEED + ")");
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }

    @Test
    void oneOutputPerGroupStillLosesAnInputPositionFromEveryGroup() {
        // two groups of four inputs and one output: input 1 goes with input 5 (position 1 of group 1), outputs stay
        Graph g = graph(Conv2d.of(8, 2, 3, 1, 1, 2, true));
        assertTrue(g.requireNode("g").op().separatesInAndOut());
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        assertArrayEquals(new int[] {1, 5}, group.member("conv0", Side.OUT).indices().indices(), group.details());
        assertArrayEquals(new int[] {1, 5}, group.member("g", Side.IN).indices().indices());
        assertNull(group.member("g", Side.OUT), group.details());
        assertNull(group.member("out", Side.IN), group.details());
        assertTrue(group.problems().isEmpty(), group.problems().toString());
        Tensor w = g.stateDict().get("g.weight").value().copy();
        group.zeroOutChannels();
        Tensor x = randomInput();
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Conv2d.of(6, 2, 3, 1, 1, 2, true), g.requireNode("g").op());
        assertArrayEquals(w.select(1, new int[] {0, 2, 3}).data(), g.stateDict().get("g.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void oneOutputPerGroupCannotLoseAnOutput() {
        // an output is the only position of its group: removing it takes the same position from every group
        Graph g = graph(Conv2d.of(8, 2, 3, 1, 1, 2, true));
        Group group = new DependencyGraph(g).pruningGroup("g", Side.OUT, 0);
        assertArrayEquals(new int[] {0, 1}, group.member("g", Side.OUT).indices().indices(), group.details());
        assertNull(group.member("g", Side.IN), group.details());
        assertFalse(group.problems().isEmpty(), group.details());
    }

    @Test
    void oneInputPerGroupTakesTheGroupsOutputs() {
        // depth multiplier 2: input channel 1 feeds output channels 2 and 3
        Graph g = graph(Conv2d.of(8, 16, 3, 1, 1, 8, true));
        assertFalse(g.requireNode("g").op().separatesInAndOut());
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        Member layer = group.member("g", Side.OUT);
        assertArrayEquals(new int[] {2, 3}, layer.indices().indices(), group.details());
        assertArrayEquals(new int[] {1, 1}, layer.indices().roots());
        assertArrayEquals(new int[] {2, 3}, group.member("out", Side.IN).indices().indices());
        group.zeroOutChannels();
        Tensor x = randomInput();
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Conv2d.of(7, 14, 3, 1, 1, 7, true), g.requireNode("g").op());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void pruningToOneOutputPerGroupLeavesTheInputsSeparate() {
        // the grouped convolution first loses three of its four output positions, then an input position
        Graph g = graph(Conv2d.of(8, 8, 3, 1, 1, 2, true));
        new DependencyGraph(g).pruningGroup("g", Side.OUT, 0, 1, 2).prune();
        assertEquals(Conv2d.of(8, 2, 3, 1, 1, 2, true), g.requireNode("g").op());
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 0, 2, 4, 6);
        assertArrayEquals(new int[] {0, 2, 4, 6}, group.member("g", Side.IN).indices().indices(), group.details());
        assertNull(group.member("g", Side.OUT), group.details());
        group.prune();
        assertEquals(Conv2d.of(4, 2, 3, 1, 1, 2, true), g.requireNode("g").op());
        assertEquals(Shape.of(2, 2, 5, 5), Executor.run(g, randomInput())[0].shape());
    }
}
