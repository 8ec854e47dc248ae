package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Linear;
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
 * Torch-Pruning's {@code tests/test_multiple_inputs_and_outputs.py} with its {@code torch.cat}: fc1 (128 → 32) and
 * fc2 (64 → 32) concatenated into fc3 (64 → …). fc3's in-channels split at the concatenation: the first 32 are
 * fc1's outputs, the rest fc2's, shifted back by 32.
 */
class ScenarioMultiIoConcatTest {

    private static final long SEED = 79;
    private static final Shape X1 = Shape.of(2, 128);
    private static final Shape X2 = Shape.of(2, 64);

    /** Each branch and fc3 end in a linear head, so the group reaches no graph output. */
    private static Graph model() {
        GraphBuilder b = new GraphBuilder("multi_io_cat");
        Value x1 = b.input("x1", X1);
        Value x2 = b.input("x2", X2);
        Value h1 = b.call("relu", new ReLU(), b.module("fc1", Linear.of(128, 32, true), x1));
        Value h2 = b.call("relu", new ReLU(), b.module("fc2", Linear.of(64, 32, true), x2));
        Value cat = b.call("cat", new Concat(1), h1, h2);
        Value h3 = b.call("relu", new ReLU(), b.module("fc3", Linear.of(64, 20, true), cat));
        Graph g = b.build(b.module("head1", Linear.of(32, 3, true), h1), b.module("head2", Linear.of(32, 3, true), h2),
                b.module("head3", Linear.of(20, 3, true), h3));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.3 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    private static Tensor random(Shape s, long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    @Test
    void fc3InputsSplitAtTheConcatenation() {
        Group group = new DependencyGraph(model()).pruningGroup("fc3", Side.IN, 0, 2, 33, 40);
        List<String> names = group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(List.of("fc3 in", "fc1 out", "relu out", "fc2 out", "relu#1 out", "cat out", "head1 in",
                "head2 in"), names, group.details());
        Member fc1 = group.member("fc1", Side.OUT);
        assertArrayEquals(new int[] {0, 2}, fc1.indices().indices());
        assertArrayEquals(new int[] {0, 2}, fc1.indices().roots());
        Member fc2 = group.member("fc2", Side.OUT);
        assertArrayEquals(new int[] {1, 8}, fc2.indices().indices());
        assertArrayEquals(new int[] {33, 40}, fc2.indices().roots());
    }

    @Test
    void pruningAcrossTheConcatenationKeepsEveryOutputOfTheZeroedModel() {
        Graph g = model();
        Group group = new DependencyGraph(g).pruningGroup("fc3", Side.IN, 0, 2, 33, 40);
        group.zeroOutChannels();
        Tensor x1 = random(X1, 1);
        Tensor x2 = random(X2, 2);
        Tensor[] ref = Executor.run(g, x1, x2);
        group.prune();
        assertEquals(Linear.of(128, 30, true), g.requireNode("fc1").op());
        assertEquals(Linear.of(64, 30, true), g.requireNode("fc2").op());
        assertEquals(Linear.of(60, 20, true), g.requireNode("fc3").op());
        Tensor[] out = Executor.run(g, x1, x2);
        for (int k = 0; k < 3; k++) {
            assertEquals(ref[k].shape(), out[k].shape());
            float tol = 1e-5f * ref[k].maxAbs() + 1e-6f;
            for (int i = 0; i < ref[k].numel(); i++) {
                assertEquals(ref[k].data()[i], out[k].data()[i], tol, "output " + k + " element " + i + " (seed " + SEED + ")");
            }
            assertTrue(ref[k].maxAbs() > 0, "output " + k + " is not trivially zero");
        }
    }
}
