package dev.jprune.train;

import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class GradientsTest {

    @Test
    void backwardAddsTheLossGradientWithoutStepping() {
        GraphBuilder b = new GraphBuilder("lin");
        Value x = b.input("x", Shape.of(1, 2));
        Graph g = b.build(b.module("fc", Linear.of(2, 1, false), x));
        g.stateDict().get("fc.weight").setValue(Tensor.of(Shape.of(1, 2), 0.5f, -1f));
        Tensor in = Tensor.of(Shape.of(1, 2), 2f, 3f);
        Tensor target = Tensor.of(Shape.of(1, 1), 1f);
        // y = 0.5·2 − 3 = −2; loss = (y − 1)² = 9; dL/dw = 2(y − 1)·x = (−12, −18)
        double loss = Gradients.backward(g, new MseLoss(), in, target, Mode.EVAL, 0);
        assertEquals(9.0, loss, 1e-6);
        assertArrayEquals(new float[] {-12f, -18f}, g.stateDict().get("fc.weight").grad().data(), 1e-5f);
        assertArrayEquals(new float[] {0.5f, -1f}, g.stateDict().get("fc.weight").value().data());
        Gradients.backward(g, new MseLoss(), in, target, Mode.EVAL, 0);
        assertArrayEquals(new float[] {-24f, -36f}, g.stateDict().get("fc.weight").grad().data(), 1e-5f);
    }

    /** x (B, 2, 3) → view (B, 6) (batch fixed to 1, or -1) → fc (6 → 2). */
    private static Graph viewNet(int viewBatch) {
        GraphBuilder b = new GraphBuilder("view");
        Value x = b.input("x", Shape.of(1, 2, 3));
        Value v = b.call("view", dev.jprune.ops.Reshape.of(viewBatch, 6), x);
        Graph g = b.build(b.module("fc", Linear.of(6, 2, true), v));
        java.util.Random r = new java.util.Random(5);
        for (var p : g.stateDict().values()) {
            float[] d = p.value().data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) r.nextGaussian();
            }
        }
        return g;
    }

    @Test
    void aBatchTheGraphCannotTakeIsComputedInChunksInEvalMode() {
        Tensor in = Tensor.of(Shape.of(3, 2, 3), 1, 2, 3, 4, 5, 6, -1, 0, 2, 1, 1, 1, 0.5f, -2, 3, 0, 1, -1);
        Tensor target = Tensor.of(Shape.of(3), 0, 1, 1);
        Graph agnostic = viewNet(-1);
        double expectedLoss = Gradients.backward(agnostic, CrossEntropyLoss.of(), in, target, Mode.EVAL, 0);
        Graph fixed = viewNet(1);
        // an earlier gradient is kept and added to
        fixed.stateDict().get("fc.bias").setGrad(Tensor.of(Shape.of(2), 10f, 20f));
        double loss = Gradients.backward(fixed, CrossEntropyLoss.of(), in, target, Mode.EVAL, 0);
        assertEquals(expectedLoss, loss, 1e-6);
        float[] w = agnostic.stateDict().get("fc.weight").grad().data();
        assertArrayEquals(w, fixed.stateDict().get("fc.weight").grad().data(), 1e-6f);
        float[] bias = agnostic.stateDict().get("fc.bias").grad().data();
        assertArrayEquals(new float[] {bias[0] + 10f, bias[1] + 20f}, fixed.stateDict().get("fc.bias").grad().data(),
                1e-5f);
        // train mode couples the samples (batch statistics): no chunking, the reshape's error is reported
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gradients.backward(viewNet(1), CrossEntropyLoss.of(), in, target, Mode.TRAIN, 0));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("view"), e.getMessage());
    }
}
