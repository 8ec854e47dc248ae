package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Group#zeroOutChannels()}, Torch-Pruning's soft pruning ({@code tests/test_soft_pruning.py}), on
 * conv-bn-relu-conv graphs: exactly the out-members' trainable rows become zero, and the soft-pruned model computes
 * what the pruned one does.
 */
class SoftPruningTest {

    private static final long SEED = 7;
    private static final Shape INPUT = Shape.of(2, 3, 6, 6);
    private static final int[] REMOVED = {1, 4};

    /** conv1 (3→6, bias) → bn1 → relu → [depthwise 6→6 → bn2 → relu] → conv2 (6→4, bias). */
    private static Graph model(boolean depthwise) {
        GraphBuilder b = new GraphBuilder(depthwise ? "cbr_dw_conv" : "cbr_conv");
        Value x = b.input("input", INPUT);
        x = b.module("conv1", Conv2d.of(3, 6, 3, 1, 1, true), x);
        x = b.module("bn1", BatchNorm2d.of(6), x);
        x = b.module("relu1", new ReLU(), x);
        if (depthwise) {
            x = b.module("dw", Conv2d.of(6, 6, 3, 1, 1, 6, true), x);
            x = b.module("bn2", BatchNorm2d.of(6), x);
            x = b.module("relu2", new ReLU(), x);
        }
        x = b.module("conv2", Conv2d.of(6, 4, 1, 1, 0, true), x);
        Graph g = b.build(x);
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (Parameter p : g.stateDict().values()) {
            float[] d = new float[p.value().numel()];
            boolean positive = p.leafName().equals("running_var");
            for (int i = 0; i < d.length; i++) {
                d[i] = positive ? (float) (0.5 + rnd.nextDouble()) : (float) (rnd.nextDouble() * 2 - 1);
            }
            p.setValue(Tensor.wrap(p.value().shape(), d));
        }
        return g;
    }

    private static Tensor input() {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        float[] d = new float[INPUT.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(INPUT, d);
    }

    private static Map<String, Tensor> snapshot(Graph g) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        g.stateDict().forEach((name, p) -> s.put(name, p.value().copy()));
        return s;
    }

    /** Whether position {@code i} along axis 0 of {@code t} is all zero. */
    private static boolean rowIsZero(Tensor t, int i) {
        int inner = t.numel() / t.dim(0);
        for (int k = i * inner; k < (i + 1) * inner; k++) {
            if (t.data()[k] != 0f) {
                return false;
            }
        }
        return true;
    }

    private static void assertRowsZeroedElseUnchanged(Map<String, Tensor> before, Graph g, String name) {
        Tensor was = before.get(name);
        Tensor now = g.stateDict().get(name).value();
        assertEquals(was.shape(), now.shape(), name);
        int inner = was.numel() / was.dim(0);
        for (int i = 0; i < was.dim(0); i++) {
            boolean removed = i == REMOVED[0] || i == REMOVED[1];
            if (removed) {
                assertTrue(rowIsZero(now, i), name + " row " + i + " should be zero");
                assertFalse(rowIsZero(was, i), name + " row " + i + " was zero before (seed " + SEED + ")");
            } else {
                for (int k = i * inner; k < (i + 1) * inner; k++) {
                    assertEquals(was.data()[k], now.data()[k], name + " element " + k + " should be unchanged");
                }
            }
        }
    }

    private static void assertUnchanged(Map<String, Tensor> before, Graph g, String name) {
        assertArrayEquals(before.get(name).data(), g.stateDict().get(name).value().data(), name + " should be unchanged");
    }

    private static float maxDiff(Tensor a, Tensor b) {
        assertEquals(a.shape(), b.shape());
        float m = 0;
        for (int i = 0; i < a.numel(); i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }

    @Test
    void zeroesTheOutMembersTrainableRowsOnly() {
        Graph g = model(false);
        Map<String, Tensor> before = snapshot(g);
        Tensor conv1Weight = g.stateDict().get("conv1.weight").value();
        Map<String, Op> ops = new LinkedHashMap<>();
        g.nodes().forEach(n -> ops.put(n.name(), n.op()));

        new DependencyGraph(g).pruningGroup("conv1", Side.OUT, REMOVED).zeroOutChannels();

        for (String name : new String[] {"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias"}) {
            assertRowsZeroedElseUnchanged(before, g, name);
        }
        for (String name : new String[] {"bn1.running_mean", "bn1.running_var", "conv2.weight", "conv2.bias"}) {
            assertUnchanged(before, g, name);
        }
        // the old value tensor is replaced, not written to; ops and shapes stay
        assertArrayEquals(before.get("conv1.weight").data(), conv1Weight.data());
        g.nodes().forEach(n -> assertSame(ops.get(n.name()), n.op(), n.name()));
        assertEquals(6, g.requireNode("conv1").output(0).shape().dim(1));
    }

    @Test
    void softPrunedModelComputesWhatThePrunedModelDoes() {
        for (boolean depthwise : new boolean[] {false, true}) {
            Graph g = model(depthwise);
            Tensor x = input();
            Tensor original = Executor.run(g, x)[0];
            new DependencyGraph(g).pruningGroup("conv1", Side.OUT, REMOVED).zeroOutChannels();
            Tensor soft = Executor.run(g, x)[0];
            assertTrue(maxDiff(original, soft) > 1e-3f, "zeroing changed nothing (depthwise " + depthwise + ")");

            new DependencyGraph(g).pruningGroup("conv1", Side.OUT, REMOVED).prune();
            assertEquals(4, g.requireNode("conv1").output(0).shape().dim(1));
            Tensor pruned = Executor.run(g, x)[0];
            float tol = 1e-5f * soft.maxAbs() + 1e-6f;
            assertTrue(maxDiff(soft, pruned) <= tol, "pruned differs from soft-pruned by " + maxDiff(soft, pruned)
                    + " > " + tol + " (depthwise " + depthwise + ", seed " + SEED + ")");
        }
    }

    @Test
    void depthwiseOutMemberLosesRowsNotItsInputPositions() {
        Graph g = model(true);
        Map<String, Tensor> before = snapshot(g);
        new DependencyGraph(g).pruningGroup("conv1", Side.OUT, REMOVED).zeroOutChannels();
        for (String name : new String[] {"conv1.weight", "dw.weight", "dw.bias", "bn2.weight", "bn2.bias"}) {
            assertRowsZeroedElseUnchanged(before, g, name);
        }
        assertUnchanged(before, g, "bn2.running_var");
        assertUnchanged(before, g, "conv2.weight");
    }
}
