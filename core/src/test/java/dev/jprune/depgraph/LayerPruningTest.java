package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.CrossEntropyLoss;
import dev.jprune.train.Sgd;
import dev.jprune.train.TrainStep;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The low-level per-layer functions, and the gradients and optimiser state a group prune slices. */
class LayerPruningTest {

    private static Graph net() {
        GraphBuilder b = new GraphBuilder("net");
        Value x = b.input("x", Shape.of(2, 3, 8, 8));
        Value h = b.module("relu", new ReLU(), b.module("bn1", new BatchNorm2d(6, 1e-5, 0.1, true),
                b.module("conv1", Conv2d.of(3, 6, 3, 1, 1, false), x)));
        h = b.module("conv2", Conv2d.of(6, 5, 3, 1, 1, true), h);
        h = b.call("flatten", new Flatten(1, -1), b.module("pool", new AdaptiveAvgPool2d(1, 1), h));
        Graph g = b.build(b.module("fc", Linear.of(5, 4, true), h));
        RandomInit.fill(g, 7);
        return g;
    }

    @Test
    void layerByLayerEqualsTheGroup() {
        Graph byLayer = net();
        LayerPruning.pruneOutChannels(byLayer, "conv1", new int[] {1, 4});
        LayerPruning.pruneOutChannels(byLayer, "bn1", new int[] {1, 4});
        assertThrows(IllegalStateException.class, byLayer::inferShapes, "conv2 still expects 6 channels");
        LayerPruning.pruneInChannels(byLayer, "conv2", new int[] {1, 4});
        byLayer.inferShapes();

        Graph byGroup = net();
        new DependencyGraph(byGroup).pruningGroup("conv1", Side.OUT, 1, 4).prune();
        for (Map.Entry<String, Parameter> e : byGroup.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().value().data(), byLayer.stateDict().get(e.getKey()).value().data(), e.getKey());
        }
        Tensor x = Tensor.full(Shape.of(2, 3, 8, 8), 0.25f);
        assertArrayEquals(Executor.run(byGroup, x)[0].data(), Executor.run(byLayer, x)[0].data());
    }

    @Test
    void badIndicesAreRejectedWithTheLayerName() {
        Graph g = net();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerPruning.pruneOutChannels(g, "conv1", new int[] {6}));
        assertTrue(e.getMessage().contains("conv1") && e.getMessage().contains("out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LayerPruning.pruneInChannels(g, "conv2", new int[] {0, 1, 2, 3, 4, 5}));
        assertTrue(e.getMessage().contains("all of them"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerPruning.pruneOutChannels(g, "relu", new int[] {0}));
    }

    @Test
    void gradientsAndMomentumAreSlicedWithTheWeights() {
        Graph g = net();
        Sgd sgd = Sgd.builder().lr(0.1).momentum(0.9).build(g);
        Tensor x = Tensor.full(Shape.of(2, 3, 8, 8), 0.5f);
        Tensor target = Tensor.of(Shape.of(2), 1, 3);
        TrainStep.run(g, sgd, CrossEntropyLoss.of(), x, target, 0);
        Parameter w = g.stateDict().get("conv2.weight");
        float[] momentumBefore = sgd.state(w).get("momentum_buffer").data().clone();
        float[] gradBefore = w.grad().data().clone();

        new DependencyGraph(g).pruningGroup("conv2", Side.OUT, 0, 3).pruneWith(sgd);

        assertEquals(Shape.of(3, 6, 3, 3), w.value().shape());
        assertEquals(Shape.of(3, 6, 3, 3), w.grad().shape());
        Tensor momentum = sgd.state(w).get("momentum_buffer");
        assertEquals(Shape.of(3, 6, 3, 3), momentum.shape());
        int row = 6 * 9; // kept rows 1, 2, 4
        int[] kept = {1, 2, 4};
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < row; j++) {
                assertEquals(momentumBefore[kept[k] * row + j], momentum.data()[k * row + j]);
                assertEquals(gradBefore[kept[k] * row + j], w.grad().data()[k * row + j]);
            }
        }
        assertEquals(Shape.of(4, 3), g.stateDict().get("fc.weight").value().shape());
        assertEquals(Shape.of(4, 3), sgd.state(g.stateDict().get("fc.weight")).get("momentum_buffer").shape());
        TrainStep.run(g, sgd, CrossEntropyLoss.of(), x, target, 1); // the optimiser keeps working on the new shapes
    }
}
