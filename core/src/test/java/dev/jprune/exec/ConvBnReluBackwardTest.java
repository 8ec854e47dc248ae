package dev.jprune.exec;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Gradient checks of Conv2d (every variant), BatchNorm2d (train and eval) and ReLU, and the tape's bookkeeping. */
class ConvBnReluBackwardTest {

    private static Graph conv(int cin, int cout, int k, int stride, int pad, int dil, int groups, boolean bias, Shape in) {
        GraphBuilder b = new GraphBuilder("conv");
        Value x = b.input("input", in);
        x = b.module("conv", new Conv2d(cin, cout, k, k, stride, stride, pad, pad, dil, dil, groups, bias), x);
        Graph g = b.build(x);
        Parity.fill(g);
        return g;
    }

    @ParameterizedTest(name = "cin {0} cout {1} k {2} stride {3} pad {4} dil {5} groups {6} bias {7}")
    @CsvSource({
        "3, 4, 3, 1, 1, 1, 1, true",
        "4, 6, 3, 2, 1, 1, 2, false",
        "4, 4, 3, 1, 2, 2, 4, true",   // depthwise, dilated
        "4, 8, 3, 2, 0, 1, 4, false",  // depthwise with channel multiplier 2
        "5, 3, 1, 1, 0, 1, 1, true",   // 1x1
        "2, 3, 5, 3, 2, 1, 1, false",  // large kernel, stride 3
    })
    void convolution(int cin, int cout, int k, int stride, int pad, int dil, int groups, boolean bias) {
        Shape in = Shape.of(2, cin, 7, 6);
        Graph g = conv(cin, cout, k, stride, pad, dil, groups, bias, in);
        // convolution is linear in x and in W: central differences are exact up to float rounding
        GradCheck.of(g, Mode.TRAIN).step(1e-1).tolerance(2e-3, 1e-4).run(Parity.input(in));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void convBnRelu(Mode mode) {
        Shape in = Shape.of(3, 2, 5, 5);
        GraphBuilder b = new GraphBuilder("cbr");
        Value x = b.input("input", in);
        x = b.module("conv", Conv2d.of(2, 3, 3, 1, 1, true), x);
        x = b.module("bn", BatchNorm2d.of(3), x);
        x = b.module("relu", new ReLU(), x);
        Graph g = b.build(x);
        Parity.fill(g);
        GradCheck.of(g, mode).step(1e-3).tolerance(2e-2, 1e-3).run(Parity.input(in));
    }

    @Test
    void batchNormTrainUpdatesRunningStatisticsLikePyTorch() {
        Shape in = Shape.of(2, 2, 3, 1);
        GraphBuilder b = new GraphBuilder("bn");
        Value x = b.input("input", in);
        x = b.module("bn", BatchNorm2d.of(2), x);
        Graph g = b.build(x);
        // channel 0 holds 1..6 over (batch, H): mean 3.5, biased var 35/12, unbiased var 3.5
        Tensor t = Tensor.of(in, 1, 2, 3, 10, 10, 10, 4, 5, 6, 10, 10, 10);
        g.node("bn").parameter("running_var").setValue(Tensor.full(Shape.of(2), 1f));
        g.node("bn").parameter("weight").setValue(Tensor.full(Shape.of(2), 1f));
        Tensor y = Executor.run(g, ForwardContext.train(0), t)[0];
        float[] rm = g.node("bn").param("running_mean").data();
        float[] rv = g.node("bn").param("running_var").data();
        assertEquals(0.35f, rm[0], 1e-6f);
        assertEquals(0.9f + 0.1f * 3.5f, rv[0], 1e-6f);
        assertEquals(1f, rm[1], 1e-6f);
        assertEquals(0.9f, rv[1], 1e-6f);
        assertEquals(1f, g.node("bn").param("num_batches_tracked").data()[0]);
        // normalised with the biased variance
        assertEquals((float) ((1 - 3.5) / Math.sqrt(35.0 / 12 + 1e-5)), y.data()[0], 1e-5f);
    }

    @Test
    void tapeAccumulatesFanOutAndSkipsFrozenInputs() {
        Shape in = Shape.of(1, 2, 4, 4);
        GraphBuilder b = new GraphBuilder("fan");
        Value x = b.input("input", in);
        Value y = b.module("conv", Conv2d.of(2, 2, 1, 1, 0, false), x);
        Value z = b.call("add", new dev.jprune.ops.Add(), y, y);
        Graph g = b.build(z);
        Parity.fill(g);
        Executor.Forward f = Executor.forward(g, ForwardContext.train(0), Parity.input(in));
        Tensor ones = Tensor.full(z.shape(), 1f);
        f.tape().backward(ones);
        // dL/dW[o, i] = 2 * sum over positions of x[i]
        float[] xs = Parity.input(in).data();
        double s0 = 0;
        for (int i = 0; i < 16; i++) {
            s0 += xs[i];
        }
        assertEquals(2 * s0, g.node("conv").parameter("weight").grad().data()[0], 1e-4);
        assertEquals(null, f.tape().inputGrad(0));
        assertNotNull(g.node("conv").parameter("weight").grad());
        g.zeroGrad();
        assertEquals(null, g.node("conv").parameter("weight").grad());
    }
}
