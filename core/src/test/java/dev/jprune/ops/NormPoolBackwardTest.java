package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.exec.Tape;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backward passes of the normalizations (LayerNorm, GroupNorm, weight and bias gradients included), the pools, Softmax,
 * Dropout and StochasticDepth.
 *
 * <p>Gradient checks: central differences, step 1e-2, every coordinate (samples 1000). The pools, dropout and
 * stochastic depth are piecewise linear; max-pool inputs are a permutation of multiples of 0.1, so no step changes
 * an arg-max: tolerance {@code 2e-3·max|numeric| + 1e-4}. The norms and softmax are smooth: {@code 1e-2·max + 1e-3}.
 * Seeded with {@link #SEED}.
 */
class NormPoolBackwardTest {

    private static final long SEED = 0x9001_5EEDL;
    private static final double STEP = 1e-2;

    private static Graph graph(Op op, Shape in) {
        Graph g = ElementwiseTestSupport.graph(op, in);
        SplittableRandom r = new SplittableRandom(SEED + 99);
        for (ParamSpec p : op.parameters()) {
            float[] d = g.node("m").param(p.name()).data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (0.5 + r.nextDouble());
            }
        }
        return g;
    }

    private static void checkLinear(Op op, Tensor x) {
        GradCheck.of(graph(op, x.shape()), Mode.TRAIN).step(STEP).tolerance(2e-3, 1e-4).samples(1000).seed(SEED).run(x);
    }

    private static void checkSmooth(Op op, Mode mode, Tensor x) {
        GradCheck.of(graph(op, x.shape()), mode).step(STEP).tolerance(1e-2, 1e-3).samples(1000).seed(SEED).run(x);
    }

    private static Tensor random(long seed, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return t;
    }

    /** A random permutation of 0, 0.1, 0.2, …: distinct values 0.1 apart (ten steps). */
    private static Tensor distinct(long seed, int... dims) {
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = i * 0.1f;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = d.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float s = d[i];
            d[i] = d[j];
            d[j] = s;
        }
        return t;
    }

    private static Tape tape(Graph g, Mode mode, Tensor x, Tensor dy) {
        ForwardContext ctx = new ForwardContext(mode, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Tape t = Executor.forward(g, ctx, x).tape();
        t.backward(dy);
        return t;
    }

    @Test
    void layerNorm() {
        checkSmooth(LayerNorm.of(5), Mode.TRAIN, random(SEED, 2, 3, 5));
        checkSmooth(new LayerNorm(new int[] {3, 4}, 1e-5, true), Mode.EVAL, random(SEED + 1, 2, 3, 4));
        checkSmooth(new LayerNorm(new int[] {6}, 1e-5, false), Mode.TRAIN, random(SEED + 2, 4, 6));
    }

    @Test
    void groupNorm() {
        checkSmooth(GroupNorm.of(2, 4), Mode.TRAIN, random(SEED + 3, 2, 4, 3, 3));
        checkSmooth(GroupNorm.of(4, 4), Mode.TRAIN, random(SEED + 4, 2, 4, 2, 3));
        checkSmooth(GroupNorm.of(1, 6), Mode.EVAL, random(SEED + 5, 3, 6, 2, 2));
        checkSmooth(new GroupNorm(3, 6, 1e-5, false), Mode.TRAIN, random(SEED + 6, 2, 6, 5));
    }

    @Test
    void layerNormBiasGradientIsTheColumnSum() {
        Tensor x = random(SEED + 7, 3, 4);
        Tensor dy = random(SEED + 8, 3, 4);
        Graph g = graph(LayerNorm.of(4), x.shape());
        tape(g, Mode.TRAIN, x, dy);
        float[] db = g.node("m").parameter("bias").grad().data();
        for (int j = 0; j < 4; j++) {
            float want = dy.data()[j] + dy.data()[4 + j] + dy.data()[8 + j];
            assertEquals(want, db[j], 1e-6f);
        }
    }

    @Test
    void layerNormGradientsOverSeveralParallelBlocksMatchADoubleReference() {
        int rows = 700;
        int d = 64;
        Tensor x = random(SEED + 30, rows, d);
        Tensor dy = random(SEED + 31, rows, d);
        Graph g = graph(LayerNorm.of(d), x.shape());
        float[] w = g.node("m").param("weight").data();
        Tape t = tape(g, Mode.TRAIN, x, dy);
        double[] dw = new double[d];
        double[] db = new double[d];
        double[] dx = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double mu = 0;
            for (int j = 0; j < d; j++) {
                mu += x.data()[r * d + j];
            }
            mu /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                var += Math.pow(x.data()[r * d + j] - mu, 2);
            }
            double rs = 1 / Math.sqrt(var / d + 1e-5);
            double mg = 0;
            double mgx = 0;
            for (int j = 0; j < d; j++) {
                double xh = (x.data()[r * d + j] - mu) * rs;
                double gy = dy.data()[r * d + j];
                dw[j] += gy * xh;
                db[j] += gy;
                mg += gy * w[j] / d;
                mgx += gy * w[j] * xh / d;
            }
            for (int j = 0; j < d; j++) {
                double xh = (x.data()[r * d + j] - mu) * rs;
                dx[r * d + j] = rs * (dy.data()[r * d + j] * w[j] - mg - xh * mgx);
            }
        }
        assertClose(dw, g.node("m").parameter("weight").grad().data(), "weight");
        assertClose(db, g.node("m").parameter("bias").grad().data(), "bias");
        assertClose(dx, t.inputGrad(0).data(), "input");
    }

    /** |a − b| ≤ 1e-4·max|ref| + 1e-5. */
    private static void assertClose(double[] ref, float[] actual, String what) {
        double max = 0;
        for (double v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < ref.length; i++) {
            double diff = Math.abs(ref[i] - actual[i]);
            assertTrue(diff <= 1e-4 * max + 1e-5, what + "[" + i + "]: " + actual[i] + " vs " + ref[i] + ", seed " + SEED);
        }
    }

    @Test
    void maxPool() {
        checkLinear(MaxPool2d.of(2, 2, 0), distinct(SEED, 2, 2, 6, 6));
        checkLinear(MaxPool2d.of(3, 2, 1), distinct(SEED + 1, 1, 2, 7, 7));
        checkLinear(MaxPool2d.of(3, 2, 0, true), distinct(SEED + 2, 1, 2, 6, 8));
        checkLinear(MaxPool2d.of(3, 2, 1, true), distinct(SEED + 3, 1, 2, 6, 6));
        checkLinear(new MaxPool2d(3, 2, 1, 2, 1, 0, 2, 2, false), distinct(SEED + 4, 1, 2, 8, 7));
        checkLinear(new MaxPool2d(3, 3, 2, 2, 1, 1, 2, 1, true), distinct(SEED + 5, 2, 1, 8, 9));
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximumOrTheLastNaN() {
        Tensor ties = Tensor.full(Shape.of(1, 1, 2, 2), 1f);
        Tape t = tape(graph(MaxPool2d.of(2, 2, 0), ties.shape()), Mode.EVAL, ties, Tensor.full(Shape.of(1, 1, 1, 1), 5f));
        assertArrayEquals(new float[] {5, 0, 0, 0}, t.inputGrad(0).data());
        Tensor nan = Tensor.of(Shape.of(1, 1, 2, 2), 1f, Float.NaN, 3f, Float.NaN);
        t = tape(graph(MaxPool2d.of(2, 2, 0), nan.shape()), Mode.EVAL, nan, Tensor.full(Shape.of(1, 1, 1, 1), 5f));
        assertArrayEquals(new float[] {0, 0, 0, 5}, t.inputGrad(0).data());
        // overlapping windows (stride 1) each send their gradient to the shared maximum
        Tensor peak = Tensor.of(Shape.of(1, 1, 3, 3), 0, 0, 0, 0, 9, 0, 0, 0, 0);
        t = tape(graph(MaxPool2d.of(2, 1, 0), peak.shape()), Mode.EVAL, peak, Tensor.full(Shape.of(1, 1, 2, 2), 1f));
        assertEquals(4f, t.inputGrad(0).data()[4]);
        t = tape(graph(AdaptiveMaxPool2d.of(1), ties.shape()), Mode.EVAL, ties, Tensor.full(Shape.of(1, 1, 1, 1), 2f));
        assertArrayEquals(new float[] {2, 0, 0, 0}, t.inputGrad(0).data());
    }

    @Test
    void avgPool() {
        Tensor x = random(SEED + 9, 2, 2, 7, 6);
        checkLinear(AvgPool2d.of(2, 2, 0), x);
        checkLinear(AvgPool2d.of(3, 2, 1), x);
        checkLinear(new AvgPool2d(3, 3, 2, 2, 1, 1, false, false, null), x);
        checkLinear(new AvgPool2d(3, 3, 2, 2, 1, 1, true, true, null), x);
        checkLinear(new AvgPool2d(3, 3, 2, 2, 1, 1, true, false, null), x);
        checkLinear(new AvgPool2d(3, 2, 2, 1, 1, 0, true, true, null), x);
        checkLinear(new AvgPool2d(2, 2, 2, 2, 1, 1, false, true, 3), x);
    }

    @Test
    void avgPoolDivisorAtTheBorder() {
        // 2x2 input, kernel 3 stride 1 pad 1: the single corner window holds all four inputs in 9 (or 4) places
        Tensor x = Tensor.full(Shape.of(1, 1, 2, 2), 1f);
        Tensor dy = Tensor.of(Shape.of(1, 1, 2, 2), 9f, 0f, 0f, 0f);
        Tape t = tape(graph(AvgPool2d.of(3, 1, 1), x.shape()), Mode.EVAL, x, dy);
        assertArrayEquals(new float[] {1, 1, 1, 1}, t.inputGrad(0).data());
        t = tape(graph(new AvgPool2d(3, 3, 1, 1, 1, 1, false, false, null), x.shape()), Mode.EVAL, x, dy);
        assertArrayEquals(new float[] {2.25f, 2.25f, 2.25f, 2.25f}, t.inputGrad(0).data());
    }

    @Test
    void adaptivePools() {
        checkLinear(new AdaptiveAvgPool2d(3, 4), random(SEED + 10, 2, 2, 7, 6));
        checkLinear(AdaptiveAvgPool2d.of(1), random(SEED + 11, 2, 3, 5, 5));
        checkLinear(new AdaptiveAvgPool2d(5, 3), random(SEED + 12, 1, 2, 4, 4));
        checkLinear(new AdaptiveMaxPool2d(3, 4), distinct(SEED + 13, 2, 2, 7, 6));
        checkLinear(AdaptiveMaxPool2d.of(1), distinct(SEED + 14, 2, 3, 5, 5));
        checkLinear(new AdaptiveMaxPool2d(5, 3), distinct(SEED + 15, 1, 2, 4, 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, -1, 0})
    void softmax(int dim) {
        checkSmooth(new Softmax(dim), Mode.TRAIN, random(SEED + 16, 2, 3, 4));
    }

    @Test
    void dropoutInTrainMode() {
        Tensor x = random(SEED + 17, 2, 3, 8);
        checkLinear(new Dropout(0.5), x);
        Tensor dy = random(SEED + 18, 2, 3, 8);
        Graph g = graph(new Dropout(0.5), x.shape());
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Executor.Forward f = Executor.forward(g, ctx, x);
        f.tape().backward(dy);
        float[] y = f.outputs()[0].data();
        float[] dx = f.tape().inputGrad(0).data();
        int dropped = 0;
        for (int i = 0; i < dx.length; i++) {
            if (y[i] == 0f) {
                dropped++;
                assertEquals(0f, dx[i], 0f);
            } else {
                assertEquals(2f * dy.data()[i], dx[i]);
            }
        }
        assertTrue(dropped > 0 && dropped < dx.length, "dropped " + dropped + " of " + dx.length);
    }

    @Test
    void evalDropoutPassesTheGradientUnchanged() {
        Tensor x = random(SEED + 19, 2, 3, 4);
        Tensor dy = random(SEED + 20, 2, 3, 4);
        Tape t = tape(graph(new Dropout(0.5), x.shape()), Mode.EVAL, x, dy);
        assertSame(dy, t.inputGrad(0));
        t = tape(graph(new Dropout(0.0), x.shape()), Mode.TRAIN, x, dy);
        assertArrayEquals(dy.data(), t.inputGrad(0).data());
        t = tape(graph(new StochasticDepth(0.5, "row"), x.shape()), Mode.EVAL, x, dy);
        assertArrayEquals(dy.data(), t.inputGrad(0).data());
    }

    @Test
    void stochasticDepthInTrainMode() {
        Tensor x = random(SEED + 21, 8, 3, 2);
        checkLinear(new StochasticDepth(0.5, "row"), x);
        checkLinear(new StochasticDepth(0.3, "batch"), x);
        Tensor dy = Tensor.full(x.shape(), 1f);
        Graph g = graph(new StochasticDepth(0.5, "row"), x.shape());
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Executor.Forward f = Executor.forward(g, ctx, x);
        f.tape().backward(dy);
        float[] y = f.outputs()[0].data();
        float[] dx = f.tape().inputGrad(0).data();
        int kept = 0;
        for (int b = 0; b < 8; b++) {
            float scale = dx[b * 6];
            assertTrue(scale == 0f || scale == 2f, "sample " + b + " scale " + scale);
            kept += scale == 2f ? 1 : 0;
            for (int i = b * 6; i < b * 6 + 6; i++) {
                assertEquals(scale, dx[i]);
                assertEquals(x.data()[i] * scale, y[i]);
            }
        }
        assertTrue(kept > 0 && kept < 8, "kept " + kept + " of 8 samples");
    }
}
