package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConvTranspose2d}'s axis rules: in-channels are weight axis 0, out-channels weight axis 1 and the bias; a
 * barrier with one group, whole groups when every group has one input or one output.
 */
class ScenarioConvTransposeRulesTest {

    private static final long SEED = 31;
    private static final Shape INPUT = Shape.of(2, 3, 5, 5);

    private static void fillDistinct(Graph g, long seed) {
        Random r = new Random(seed);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.5 * r.nextGaussian());
                }
            }
        }
    }

    private static Tensor randomInput(long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(INPUT);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    /** Zeroes positions {@code idx} along {@code axis} of the parameter {@code name}. */
    private static void zero(Graph g, String name, int axis, int... idx) {
        Tensor t = g.stateDict().get(name).value();
        Shape s = t.shape();
        int inner = s.product(axis + 1, s.rank());
        int outer = s.product(0, axis);
        for (int o = 0; o < outer; o++) {
            for (int i : idx) {
                int at = (o * s.dim(axis) + i) * inner;
                Arrays.fill(t.data(), at, at + inner, 0f);
            }
        }
    }

    private static void zeroBatchNorm(Graph g, String bn, int... idx) {
        zero(g, bn + ".weight", 0, idx);
        zero(g, bn + ".bias", 0, idx);
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

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    /** x → conv0 Conv2d(3, 4) → relu → up (the layer under test) → bn → relu → out Conv2d(upOut, 2). */
    private static Graph graph(ConvTranspose2d up) {
        GraphBuilder b = new GraphBuilder("up");
        Value x = b.input("x", INPUT);
        Value h = b.call("relu", new ReLU(), b.module("conv0", Conv2d.of(3, 4, 3, 1, 1, true), x));
        h = b.module("up", up, h);
        h = b.call("relu", new ReLU(), b.module("bn", BatchNorm2d.of(up.outChannels()), h));
        Graph g = b.build(b.module("out", Conv2d.of(up.outChannels(), 2, 3, 1, 1, true), h));
        fillDistinct(g, SEED);
        return g;
    }

    @Test
    void oneGroupIsABarrierOnTheChannelsOnly() {
        Graph g = graph(ConvTranspose2d.of(4, 6, 3, 2, 1, 1, 1, true));
        Node up = g.requireNode("up");
        assertTrue(up.op().separatesInAndOut());
        assertEquals(1, up.op().rootAxis(up));
        List<String> linked = new java.util.ArrayList<>();
        up.op().linkAxes(up, Port.out(0), 1, Indices.of(0, 2), (p, a, i) -> linked.add(p + " " + a));
        up.op().linkAxes(up, Port.in(0), 1, Indices.of(1), (p, a, i) -> linked.add(p + " " + a));
        assertEquals(List.of(), linked);
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> up.op().linkAxes(up, Port.out(0), 2, Indices.of(0), (p, a, i) -> { }));
        assertTrue(e.getMessage().contains("up"), e.getMessage());
    }

    @Test
    void outputChannelsAreWeightAxisOneAndTheBias() {
        Graph g = graph(ConvTranspose2d.of(4, 6, 3, 2, 1, 1, 1, true));
        Group group = new DependencyGraph(g).pruningGroup("up", Side.OUT, 0, 3);
        assertEquals(List.of("up out", "bn out", "relu#1 out", "out in"), names(group), group.details());
        Tensor w = g.stateDict().get("up.weight").value().copy();
        Tensor bias = g.stateDict().get("up.bias").value().copy();
        Tensor next = g.stateDict().get("out.weight").value().copy();
        zero(g, "up.weight", 1, 0, 3);
        zero(g, "up.bias", 0, 0, 3);
        zeroBatchNorm(g, "bn", 0, 3);
        Tensor x = randomInput(1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        int[] keep = {1, 2, 4, 5};
        assertEquals(ConvTranspose2d.of(4, 4, 3, 2, 1, 1, 1, true), g.requireNode("up").op());
        assertArrayEquals(w.select(1, keep).data(), g.stateDict().get("up.weight").value().data());
        assertEquals(Shape.of(4, 4, 3, 3), g.stateDict().get("up.weight").value().shape());
        assertArrayEquals(bias.select(0, keep).data(), g.stateDict().get("up.bias").value().data());
        assertArrayEquals(next.select(1, keep).data(), g.stateDict().get("out.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void inputChannelsAreWeightRows() {
        Graph g = graph(ConvTranspose2d.of(4, 6, 3, 2, 1, 1, 1, true));
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        assertEquals(List.of("conv0 out", "relu out", "up in"), names(group), group.details());
        Tensor w = g.stateDict().get("up.weight").value().copy();
        zero(g, "conv0.weight", 0, 1);
        zero(g, "conv0.bias", 0, 1);
        Tensor x = randomInput(2);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(ConvTranspose2d.of(3, 6, 3, 2, 1, 1, 1, true), g.requireNode("up").op());
        assertArrayEquals(w.select(0, new int[] {0, 2, 3}).data(), g.stateDict().get("up.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void aDepthwiseTransposedConvolutionLosesWholeGroups() {
        Graph g = graph(ConvTranspose2d.of(4, 4, 3, 2, 1, 1, 4, true));
        assertFalse(g.requireNode("up").op().separatesInAndOut());
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        assertEquals(List.of("conv0 out", "relu out", "up out", "bn out", "relu#1 out", "out in"), names(group),
                group.details());
        Tensor w = g.stateDict().get("up.weight").value().copy();
        zero(g, "conv0.weight", 0, 1);
        zero(g, "conv0.bias", 0, 1);
        zero(g, "up.weight", 0, 1);
        zero(g, "up.bias", 0, 1);
        zeroBatchNorm(g, "bn", 1);
        Tensor x = randomInput(3);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(ConvTranspose2d.of(3, 3, 3, 2, 1, 1, 3, true), g.requireNode("up").op());
        assertArrayEquals(w.select(0, new int[] {0, 2, 3}).data(), g.stateDict().get("up.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void oneInputPerGroupTakesTheGroupsOutputs() {
        // depth multiplier 2: input channel 1 feeds output channels 2 and 3
        Graph g = graph(ConvTranspose2d.of(4, 8, 3, 2, 1, 1, 4, true));
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        Member up = group.member("up", Side.OUT);
        assertEquals(Port.out(0), up.port());
        assertArrayEquals(new int[] {2, 3}, up.indices().indices());
        assertArrayEquals(new int[] {1, 1}, up.indices().roots());
        assertArrayEquals(new int[] {2, 3}, group.member("out", Side.IN).indices().indices());
        Tensor bias = g.stateDict().get("up.bias").value().copy();
        group.prune();
        assertEquals(ConvTranspose2d.of(3, 6, 3, 2, 1, 1, 3, true), g.requireNode("up").op());
        assertEquals(Shape.of(3, 2, 3, 3), g.stateDict().get("up.weight").value().shape());
        assertArrayEquals(bias.select(0, new int[] {0, 1, 4, 5, 6, 7}).data(), g.stateDict().get("up.bias").value().data());
        assertEquals(Shape.of(2, 2, 10, 10), Executor.run(g, randomInput(4))[0].shape());
    }

    @Test
    void oneOutputPerGroupWidensTheRemovalToTheGroupsInputs() {
        // two groups of two inputs and one output: removing input 1 removes group 0, inputs 0 and 1, output 0
        Graph g = graph(ConvTranspose2d.of(4, 2, 3, 2, 1, 1, 2, true));
        Group group = new DependencyGraph(g).pruningGroup("conv0", Side.OUT, 1);
        Member conv0 = group.member("conv0", Side.OUT);
        assertArrayEquals(new int[] {0, 1}, conv0.indices().indices(), group.details());
        assertArrayEquals(new int[] {1, 1}, conv0.indices().roots());
        assertArrayEquals(new int[] {0}, group.member("out", Side.IN).indices().indices());
        Tensor w = g.stateDict().get("up.weight").value().copy();
        group.zeroOutChannels();
        Tensor x = randomInput(5);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(ConvTranspose2d.of(2, 1, 3, 2, 1, 1, 1, true), g.requireNode("up").op());
        assertArrayEquals(w.select(0, new int[] {2, 3}).data(), g.stateDict().get("up.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void otherGroupedLayoutsAreRefused() {
        Graph g = graph(ConvTranspose2d.of(4, 6, 3, 2, 1, 1, 2, true));
        DependencyGraph dg = new DependencyGraph(g);
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> dg.pruningGroup("conv0", Side.OUT, 0));
        assertTrue(e.getMessage().contains("ConvTranspose2d at up"), e.getMessage());
        assertThrows(UnsupportedAxisException.class, () -> dg.pruningGroup("up", Side.OUT, 0));
    }
}
