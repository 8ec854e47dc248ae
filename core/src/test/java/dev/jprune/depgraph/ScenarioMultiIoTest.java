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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several inputs and outputs (Torch-Pruning's {@code tests/test_multiple_inputs_and_outputs.py}): two inputs, each
 * through its own linear layer, joined for {@code fc3}, three outputs. The join here is an element-wise add, so
 * removing {@code fc3}'s in-channels reaches both {@code fc1}'s and {@code fc2}'s outputs at the same indices
 * ({@link ScenarioMultiIoConcatTest} has Torch-Pruning's concatenation).
 */
class ScenarioMultiIoTest {

    private static final long SEED = 67;
    private static final Shape X1 = Shape.of(2, 24);
    private static final Shape X2 = Shape.of(2, 12);

    /**
     * {@code x1 → fc1 → relu}, {@code x2 → fc2 → relu}, their sum → {@code fc3 → relu}; with {@code heads} each
     * branch ends in its own linear head (so no group reaches an output), otherwise the relus are the outputs, as in
     * Torch-Pruning's model.
     */
    private static Graph model(boolean heads) {
        GraphBuilder b = new GraphBuilder("multi_io");
        Value x1 = b.input("x1", X1);
        Value x2 = b.input("x2", X2);
        Value h1 = b.call("relu", new ReLU(), b.module("fc1", Linear.of(24, 16, true), x1));
        Value h2 = b.call("relu", new ReLU(), b.module("fc2", Linear.of(12, 16, true), x2));
        Value h3 = b.call("relu", new ReLU(), b.module("fc3", Linear.of(16, 10, true), b.call("add", new Add(), h1, h2)));
        Graph g = heads
                ? b.build(b.module("head1", Linear.of(16, 3, true), h1), b.module("head2", Linear.of(16, 3, true), h2),
                        b.module("head3", Linear.of(10, 3, true), h3))
                : b.build(h1, h2, h3);
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

    private static Tensor random(Shape s, long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    @Test
    void fc3InputsReachBothBranches() {
        Group group = new DependencyGraph(model(true)).pruningGroup("fc3", Side.IN, 0, 2, 4);
        assertEquals(List.of("fc3 in", "fc1 out", "relu out", "fc2 out", "relu#1 out", "add out", "head1 in",
                "head2 in"), names(group), group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {0, 2, 4}, m.indices().indices(), m.describe());
        }
    }

    @Test
    void pruningFc3InputsKeepsEveryOutputOfTheZeroedModel() {
        Graph g = model(true);
        Group group = new DependencyGraph(g).pruningGroup("fc3", Side.IN, 0, 2, 4);
        group.zeroOutChannels();
        Tensor x1 = random(X1, 1);
        Tensor x2 = random(X2, 2);
        Tensor[] ref = Executor.run(g, x1, x2);
        group.prune();
        assertEquals(Linear.of(24, 13, true), g.requireNode("fc1").op());
        assertEquals(Linear.of(12, 13, true), g.requireNode("fc2").op());
        assertEquals(Linear.of(13, 10, true), g.requireNode("fc3").op());
        Tensor[] out = Executor.run(g, x1, x2);
        assertEquals(3, out.length);
        for (int k = 0; k < 3; k++) {
            assertEquals(ref[k].shape(), out[k].shape());
            float tol = 1e-5f * ref[k].maxAbs() + 1e-6f;
            for (int i = 0; i < ref[k].numel(); i++) {
                assertEquals(ref[k].data()[i], out[k].data()[i], tol, "output " + k + " element " + i + " (seed " + SEED + ")");
            }
            assertTrue(ref[k].maxAbs() > 0, "output " + k + " is not trivially zero");
        }
    }

    @Test
    void withTheBranchesAsOutputsTheGroupIsRefusedAndNothingChanges() {
        // Torch-Pruning lets the outputs x1 and x2 shrink; here a graph output is part of the model's contract
        Graph g = model(false);
        Group group = new DependencyGraph(g).pruningGroup("fc3", Side.IN, 0, 2, 4);
        assertTrue(group.touchesGraphBoundary());
        assertTrue(group.problems().stream().anyMatch(p -> p.contains("graph output")), String.join("\n", group.problems()));
        assertThrows(IllegalStateException.class, group::prune);
        assertEquals(Shape.of(16, 24), g.stateDict().get("fc1.weight").value().shape());
        assertEquals(Shape.of(2, 10), Executor.run(g, random(X1, 3), random(X2, 4))[2].shape());
    }
}
