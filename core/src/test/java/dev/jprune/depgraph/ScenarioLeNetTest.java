package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LeNet-5 (Torch-Pruning's {@code tests/test_dependency_lenet.py}): conv → relu → pool twice, flatten, three linear
 * layers. A channel of {@code conv2} is a 5·5 block of {@code fc1}'s inputs.
 */
class ScenarioLeNetTest {

    private static final long SEED = 41;
    private static final Shape INPUT = Shape.of(2, 1, 32, 32);

    private static Graph lenet() {
        GraphBuilder b = new GraphBuilder("lenet5");
        Value x = b.input("x", INPUT);
        x = b.call("pool", MaxPool2d.of(2, 2, 0), b.call("relu", new ReLU(), b.module("conv1", Conv2d.of(1, 6, 5, 1, 0, true), x)));
        x = b.call("pool", MaxPool2d.of(2, 2, 0), b.call("relu", new ReLU(), b.module("conv2", Conv2d.of(6, 16, 5, 1, 0, true), x)));
        x = b.call("flatten", Flatten.of(), x);
        x = b.call("relu", new ReLU(), b.module("fc1", Linear.of(16 * 5 * 5, 120, true), x));
        x = b.call("relu", new ReLU(), b.module("fc2", Linear.of(120, 84, true), x));
        Graph g = b.build(b.module("fc3", Linear.of(84, 10, true), x));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.2 * r.nextGaussian());
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
    void conv2ChannelsAreBlocksOfFc1Inputs() {
        Group group = new DependencyGraph(lenet()).pruningGroup("conv2", Side.OUT, 0, 2, 6);
        assertEquals(List.of("conv2 out", "relu#1 out", "pool#1 out", "flatten out", "fc1 in"), names(group),
                group.details());
        Member fc1 = group.member("fc1", Side.IN);
        assertEquals(1, fc1.axis());
        int[] expected = new int[75];
        int[] roots = new int[75];
        int k = 0;
        for (int c : new int[] {0, 2, 6}) {
            for (int p = 0; p < 25; p++) {
                expected[k] = c * 25 + p;
                roots[k++] = c;
            }
        }
        assertArrayEquals(expected, fc1.indices().indices());
        assertArrayEquals(roots, fc1.indices().roots());
        assertArrayEquals(new int[] {0, 2, 6}, group.member("pool#1", Side.OUT).indices().indices());
    }

    @Test
    void pruningConv2KeepsTheFunctionOfTheZeroedModel() {
        Graph g = lenet();
        Group group = new DependencyGraph(g).pruningGroup("conv2", Side.OUT, 0, 2, 6);
        Tensor fc1Before = g.stateDict().get("fc1.weight").value().copy();
        group.zeroOutChannels();
        Tensor x = randomInput(1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(13, 6, 5, 5), g.stateDict().get("conv2.weight").value().shape());
        assertEquals(Shape.of(13), g.stateDict().get("conv2.bias").value().shape());
        assertEquals(Linear.of(325, 120, true), g.requireNode("fc1").op());
        int[] keep = new int[325];
        int k = 0;
        for (int i = 0; i < 400; i++) {
            int c = i / 25;
            if (c != 0 && c != 2 && c != 6) {
                keep[k++] = i;
            }
        }
        assertArrayEquals(fc1Before.select(1, keep).data(), g.stateDict().get("fc1.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void everyGroupOfLeNetPrunesAndTheFunctionOfTheZeroedModelIsKept() {
        Graph g = lenet();
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups();
        List<String> roots = groups.stream().map(gr -> gr.root().name()).toList();
        assertEquals(List.of("conv1", "conv2", "fc1", "fc2"), roots);
        Tensor x = randomInput(2);
        for (Group whole : groups) {
            Group group = dg.pruningGroup(whole.root(), Side.OUT, dev.jprune.ir.axis.Indices.of(1, 3));
            group.zeroOutChannels();
            Tensor ref = Executor.run(g, x)[0];
            group.prune();
            assertSameOutput(ref, Executor.run(g, x)[0]);
        }
        assertEquals(Shape.of(4, 1, 5, 5), g.stateDict().get("conv1.weight").value().shape());
        assertEquals(Shape.of(14, 4, 5, 5), g.stateDict().get("conv2.weight").value().shape());
        assertEquals(Shape.of(118, 350), g.stateDict().get("fc1.weight").value().shape());
        assertEquals(Shape.of(82, 118), g.stateDict().get("fc2.weight").value().shape());
        assertEquals(Shape.of(10, 82), g.stateDict().get("fc3.weight").value().shape());
    }
}
