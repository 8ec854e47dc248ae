package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fully connected net with a residual connection (Torch-Pruning's {@code tests/test_fully_connected_layers.py}
 * with a skip): {@code h = fc1(x); y = fc2(relu(h)) + h; out = fc3(y)}. The add couples fc1's outputs with fc2's.
 */
class ScenarioMlpTest {

    private static final long SEED = 43;
    private static final Shape INPUT = Shape.of(4, 12);

    private static Graph mlp() {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", INPUT);
        Value h = b.module("fc1", Linear.of(12, 16, true), x);
        Value y = b.module("fc2", Linear.of(16, 16, true), b.call("relu", new ReLU(), h));
        Value s = b.call("add", new Add(), y, h);
        Graph g = b.build(b.module("fc3", Linear.of(16, 5, true), s));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.4 * r.nextGaussian());
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

    @Test
    void theResidualAddCouplesFc1AndFc2Outputs() {
        Group group = new DependencyGraph(mlp()).pruningGroup("fc1", Side.OUT, 3, 9);
        List<String> names = group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(List.of("fc1 out", "relu out", "fc2 in", "fc2 out", "add out", "fc3 in"), names, group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {3, 9}, m.indices().indices(), m.describe());
            assertArrayEquals(new int[] {3, 9}, m.indices().roots(), m.describe());
        }
        // the same group, found from the other end of the add
        Group fromFc2 = new DependencyGraph(mlp()).pruningGroup("fc2", Side.OUT, 3, 9);
        assertEquals(List.of("fc2 out", "fc1 out", "relu out", "fc2 in", "add out", "fc3 in"),
                fromFc2.members().stream().map(m -> m.layer() + " " + m.side().label()).toList(), fromFc2.details());
        assertNull(fromFc2.member("fc1", Side.IN));
    }

    @Test
    void pruningTheResidualGroupKeepsTheFunctionOfTheZeroedModel() {
        Graph g = mlp();
        Tensor fc2w = g.stateDict().get("fc2.weight").value().copy();
        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 3, 9, 15);
        group.zeroOutChannels();
        Tensor x = randomInput(1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Linear.of(12, 13, true), g.requireNode("fc1").op());
        assertEquals(Linear.of(13, 13, true), g.requireNode("fc2").op());
        assertEquals(Linear.of(13, 5, true), g.requireNode("fc3").op());
        int[] keep = {0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14};
        assertArrayEquals(fc2w.select(0, keep).select(1, keep).data(), g.stateDict().get("fc2.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }
}
