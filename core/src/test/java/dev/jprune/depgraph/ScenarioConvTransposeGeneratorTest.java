package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Tanh;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DCGAN-like generator (Torch-Pruning's transposed-convolution test, scaled down):
 * {@code Linear → view(-1, 32, 4, 4) → ConvTranspose2d → BN → ReLU → ConvTranspose2d → Tanh → Flatten → Linear},
 * pruned from its transposed convolutions.
 */
class ScenarioConvTransposeGeneratorTest {

    private static final long SEED = 37;
    private static final Shape INPUT = Shape.of(2, 8);

    private static Graph generator() {
        GraphBuilder b = new GraphBuilder("generator");
        Value z = b.input("z", INPUT);
        Value h = b.module("fc", Linear.of(8, 32 * 4 * 4, true), z);
        h = b.call("view", Reshape.of(-1, 32, 4, 4), h);
        h = b.module("up1", ConvTranspose2d.of(32, 16, 4, 2, 1, 0, 1, true), h);
        h = b.call("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(16), h));
        // 16 channels of 16×16: the flatten's channel axis is the largest (outer on the tie), see AxisSupport.reshape
        h = b.call("tanh", new Tanh(), b.module("up2", ConvTranspose2d.of(16, 16, 4, 2, 1, 0, 1, true), h));
        Graph g = b.build(b.module("head", Linear.of(16 * 16 * 16, 10, true), b.call("flatten", Flatten.of(), h)));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.3 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    private static Tensor randomInput(long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(INPUT);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

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

    @Test
    void theTransposedConvolutionsRootTheirGroups() {
        Graph g = generator();
        List<String> skipped = new ArrayList<>();
        List<Group> groups = new DependencyGraph(g).allGroups(List.of(), Set.of("ConvTranspose2d"), skipped);
        assertEquals(List.of(), skipped);
        assertEquals(2, groups.size());
        assertEquals(List.of("up1 out", "bn1 out", "relu out", "up2 in"), names(groups.get(0)), groups.get(0).details());
        assertEquals(List.of("up2 out", "tanh out", "flatten out", "head in"), names(groups.get(1)),
                groups.get(1).details());
    }

    @Test
    void theLastTransposedConvolutionsChannelsAreBlocksOfTheHeadsInputs() {
        Graph g = generator();
        Group group = new DependencyGraph(g).pruningGroup("up2", Side.OUT, 1, 6);
        Member head = group.member("head", Side.IN);
        int[] expected = new int[512];
        int[] roots = new int[512];
        for (int k = 0; k < 256; k++) {
            expected[k] = 256 + k;
            roots[k] = 1;
            expected[256 + k] = 6 * 256 + k;
            roots[256 + k] = 6;
        }
        assertArrayEquals(expected, head.indices().indices());
        assertArrayEquals(roots, head.indices().roots());
    }

    @Test
    void pruningBothGroupsKeepsTheFunctionOfTheZeroedModel() {
        Graph g = generator();
        DependencyGraph dg = new DependencyGraph(g);
        Tensor z = randomInput(1);

        Group first = dg.pruningGroup("up1", Side.OUT, 0, 5, 15);
        zero(g, "up1.weight", 1, 0, 5, 15);
        zero(g, "up1.bias", 0, 0, 5, 15);
        zero(g, "bn1.weight", 0, 0, 5, 15);
        zero(g, "bn1.bias", 0, 0, 5, 15);
        Tensor ref = Executor.run(g, z)[0];
        first.prune();
        assertEquals(ConvTranspose2d.of(32, 13, 4, 2, 1, 0, 1, true), g.requireNode("up1").op());
        assertEquals(Shape.of(13, 16, 4, 4), g.stateDict().get("up2.weight").value().shape());
        assertSameOutput(ref, Executor.run(g, z)[0]);

        Group second = dg.pruningGroup("up2", Side.OUT, 3);
        zero(g, "up2.weight", 1, 3);
        zero(g, "up2.bias", 0, 3);
        ref = Executor.run(g, z)[0];
        second.prune();
        assertEquals(Shape.of(13, 15, 4, 4), g.stateDict().get("up2.weight").value().shape());
        assertEquals(Shape.of(10, 15 * 16 * 16), g.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(2, 15, 16, 16), g.requireNode("up2").output(0).shape());
        assertSameOutput(ref, Executor.run(g, z)[0]);
    }

    @Test
    void aWholeChannelBlockOfTheHeadsInputsGoesBackToThatChannel() {
        // (2, 16, 16, 16) flattened: 16·16 inputs of head per channel
        Graph g = generator();
        int[] block = new int[512];
        for (int k = 0; k < 256; k++) {
            block[k] = 2 * 256 + k;
            block[256 + k] = 5 * 256 + k;
        }
        Group group = new DependencyGraph(g).pruningGroup(g.requireNode("head"), Side.IN, Indices.of(block));
        Member up2 = group.member("up2", Side.OUT);
        assertEquals(1, up2.axis(), group.details());
        assertArrayEquals(new int[] {2, 5}, up2.indices().indices());
        assertArrayEquals(new int[] {2 * 256, 5 * 256}, up2.indices().roots());
    }

    @Test
    void aSingleHeadInputTakesItsWholeChannel() {
        Graph g = generator();
        Group group = new DependencyGraph(g).pruningGroup("head", Side.IN, 256 + 5);
        assertArrayEquals(new int[] {1}, group.member("up2", Side.OUT).indices().indices(), group.details());
        assertArrayEquals(new int[] {261}, group.member("up2", Side.OUT).indices().roots());
        assertEquals(256, group.member("head", Side.IN).indices().size());
    }
}
