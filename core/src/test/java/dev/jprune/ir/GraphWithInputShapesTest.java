package dev.jprune.ir;

import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Reshape;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.MseLoss;
import dev.jprune.train.Gradients;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphWithInputShapesTest {

    private static Graph net(boolean fixedReshape) {
        GraphBuilder b = new GraphBuilder("net");
        Value x = b.input("x", Shape.of(1, 2, 4, 4));
        Value h = b.module("bn", new BatchNorm2d(3, 1e-5, 0.1, true), b.module("conv", Conv2d.of(2, 3, 3, 1, 1, true), x));
        h = fixedReshape ? b.call("view", new Reshape(new int[] {1, 48}), h) : b.call("flatten", new Flatten(1, -1), h);
        Graph g = b.build(b.module("fc", Linear.of(48, 2, true), h));
        RandomInit.fill(g, 9);
        return g;
    }

    @Test
    void aBatchedCopySharesParametersAndComputesTheSameRows() {
        Graph g = net(false);
        Graph batched = g.withInputShapes(Shape.of(3, 2, 4, 4));
        assertEquals(Shape.of(3, 2), batched.outputs().get(0).shape());
        assertEquals(Shape.of(1, 2), g.outputs().get(0).shape(), "the original keeps its shapes");
        assertSame(g.stateDict().get("conv.weight"), batched.stateDict().get("conv.weight"));
        Tensor x = Tensor.zeros(Shape.of(3, 2, 4, 4));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(i);
        }
        Tensor y = Executor.run(batched, x)[0];
        for (int n = 0; n < 3; n++) {
            float[] one = new float[32];
            System.arraycopy(x.data(), n * 32, one, 0, 32);
            Tensor row = Executor.run(g, Tensor.wrap(Shape.of(1, 2, 4, 4), one))[0];
            assertArrayEquals(row.data(), new float[] {y.data()[2 * n], y.data()[2 * n + 1]}, 1e-6f);
        }
        Gradients.backward(batched, new MseLoss(), x, Tensor.zeros(Shape.of(3, 2)), Mode.EVAL, 0);
        assertTrue(g.stateDict().get("fc.weight").grad().maxAbs() > 0, "gradients land in the shared parameters");
    }

    @Test
    void anOpThatFixesTheBatchIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net(true).withInputShapes(Shape.of(2, 2, 4, 4)));
        assertTrue(e.getMessage().contains("view"), e.getMessage());
    }
}
