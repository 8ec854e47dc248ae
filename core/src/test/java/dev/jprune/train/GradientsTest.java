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
}
