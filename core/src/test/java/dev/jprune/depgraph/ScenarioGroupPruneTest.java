package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code group.prune(newIndices)} (Torch-Pruning's {@code tests/test_group_prune.py}): a group built with some
 * indices and pruned with others leaves exactly the weights of the group built with the others and pruned.
 */
class ScenarioGroupPruneTest {

    private static final long SEED = 53;
    private static final Shape INPUT = Shape.of(2, 3, 8, 8);

    /** conv1 → bn1 → relu → basic block (two conv-bn, residual add, relu) → pool → flatten → fc. */
    private static Graph residualNet() {
        GraphBuilder b = new GraphBuilder("resnet_tiny");
        Value x = b.input("x", INPUT);
        x = b.call("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(12), b.module("conv1", Conv2d.of(3, 12, 3, 1, 1, false), x)));
        Value h = b.call("relu", new ReLU(), b.module("bn_a", BatchNorm2d.of(12), b.module("conv_a", Conv2d.of(12, 12, 3, 1, 1, false), x)));
        h = b.module("bn_b", BatchNorm2d.of(12), b.module("conv_b", Conv2d.of(12, 12, 3, 1, 1, false), h));
        x = b.call("relu", new ReLU(), b.call("add", new Add(), h, x));
        x = b.call("flatten", Flatten.of(), b.module("pool", AdaptiveAvgPool2d.of(1), x));
        Graph g = b.build(b.module("fc", Linear.of(12, 4, true), x));
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

    @Test
    void pruningWithNewIndicesEqualsBuildingWithThem() {
        Graph direct = residualNet();
        new DependencyGraph(direct).pruningGroup("conv1", Side.OUT, 2, 6, 9).prune();

        Graph replaced = residualNet();
        Group other = new DependencyGraph(replaced).pruningGroup("conv1", Side.OUT, 1, 2, 3, 4);
        Group pruned = other.prune(2, 6, 9);
        assertArrayEquals(new int[] {2, 6, 9}, pruned.rootIndices().indices());
        assertArrayEquals(new int[] {1, 2, 3, 4}, other.rootIndices().indices());
        assertEquals(other.members().size(), pruned.members().size());

        Map<String, Parameter> a = direct.stateDict();
        Map<String, Parameter> b = replaced.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertEquals(a.get(name).value().shape(), b.get(name).value().shape(), name);
            assertArrayEquals(a.get(name).value().data(), b.get(name).value().data(), name);
        }
        assertEquals(Shape.of(9, 3, 3, 3), b.get("conv1.weight").value().shape());
        assertEquals(Shape.of(9, 12, 3, 3), b.get("conv_b.weight").value().shape());
        assertEquals(Shape.of(12, 9, 3, 3), b.get("conv_a.weight").value().shape());
        assertEquals(Shape.of(4, 9), b.get("fc.weight").value().shape());

        Tensor x = Tensor.full(INPUT, 0.25f);
        assertArrayEquals(Executor.run(direct, x)[0].data(), Executor.run(replaced, x)[0].data());
    }
}
