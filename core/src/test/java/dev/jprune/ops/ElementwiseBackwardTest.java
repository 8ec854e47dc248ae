package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.exec.Tape;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.BroadcastSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Backward passes of the element-wise ops: activations, unary math and the broadcasting arithmetic.
 *
 * <p>Gradient checks use central differences with step 1e-2 and tolerance
 * {@code |analytic − numeric| ≤ 1e-2·max|numeric| + 1e-3}, over every coordinate (samples 1000). Piecewise
 * activations get inputs kept at least 0.05 (five steps) away from their kinks, so no difference straddles one; the
 * kinks themselves are tested exactly against PyTorch's backward formulas. Seeded with {@link #SEED}.
 */
class ElementwiseBackwardTest {

    private static final long SEED = 0x6EAD_5EEDL;
    private static final double STEP = 1e-2;
    private static final double RTOL = 1e-2;
    private static final double ATOL = 1e-3;

    private static void check(Op op, Tensor... inputs) {
        Shape[] shapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].shape();
        }
        GradCheck.of(ElementwiseTestSupport.graph(op, shapes), Mode.TRAIN).step(STEP).tolerance(RTOL, ATOL).samples(1000).seed(SEED)
                .run(inputs);
    }

    /** Uniform in [lo, hi), skipping values within {@code gap} of any kink. */
    private static Tensor uniform(long seed, double lo, double hi, double gap, double[] kinks, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            double v;
            boolean near;
            do {
                v = lo + (hi - lo) * r.nextDouble();
                near = false;
                for (double k : kinks) {
                    near |= Math.abs(v - k) < gap;
                }
            } while (near);
            d[i] = (float) v;
        }
        return t;
    }

    private static Tensor smooth(long seed, double lo, double hi, int... dims) {
        return uniform(seed, lo, hi, 0, new double[0], dims);
    }

    /** The input gradient of a one-op graph for output gradient {@code dy}. */
    private static float[] inputGrad(Op op, Tensor x, Tensor dy) {
        Graph g = ElementwiseTestSupport.graph(op, x.shape());
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Tape tape = Executor.forward(g, ctx, x).tape();
        tape.backward(dy);
        return tape.inputGrad(0).data();
    }

    private static Tensor vec(float... v) {
        return Tensor.of(Shape.of(v.length), v);
    }

    private static Tensor ones(int n) {
        return Tensor.full(Shape.of(n), 1f);
    }

    @Test
    void smoothActivations() {
        Tensor x = smooth(SEED, -3, 3, 2, 3, 5);
        check(new SiLU(), x);
        check(GELU.exact(), x);
        check(new GELU("tanh"), x);
        check(new Sigmoid(), x);
        check(new Tanh(), x);
        check(new Erf(), x);
        check(new Exp(), smooth(SEED + 1, -2, 2, 2, 3, 5));
    }

    @Test
    void logAndSqrtAwayFromZero() {
        Tensor x = smooth(SEED + 2, 0.5, 3, 2, 3, 5);
        check(new Log(), x);
        check(new Sqrt(), x);
    }

    @Test
    void piecewiseActivationsAwayFromKinks() {
        check(new ReLU6(), uniform(SEED + 3, -2, 8, 0.05, new double[] {0, 6}, 2, 3, 5));
        check(new Clamp(-1f, 2f), uniform(SEED + 4, -3, 4, 0.05, new double[] {-1, 2}, 2, 3, 5));
        check(Clamp.atLeast(0.5f), uniform(SEED + 5, -3, 4, 0.05, new double[] {0.5}, 2, 3, 5));
        check(new LeakyReLU(0.2), uniform(SEED + 6, -3, 3, 0.05, new double[] {0}, 2, 3, 5));
        check(new Hardswish(), uniform(SEED + 7, -5, 5, 0.05, new double[] {-3, 3}, 2, 3, 5));
        check(new Hardsigmoid(), uniform(SEED + 8, -5, 5, 0.05, new double[] {-3, 3}, 2, 3, 5));
    }

    @Test
    void relu6PassesGradientOnlyStrictlyInside() {
        // hardtanh_backward: (x <= 0 || x >= 6) ? 0 : dy, so NaN passes dy
        float[] dx = inputGrad(new ReLU6(), vec(0f, 6f, -1f, 3f, 7f, Float.NaN), vec(1, 2, 3, 4, 5, 6));
        assertArrayEquals(new float[] {0, 0, 0, 4, 0, 6}, dx);
    }

    @Test
    void clampPassesGradientAtItsBounds() {
        // clamp_backward: (x >= min) && (x <= max)
        float[] dx = inputGrad(new Clamp(-1f, 2f), vec(-1f, 2f, -2f, 0f, 3f, Float.NaN), vec(1, 2, 3, 4, 5, 6));
        assertArrayEquals(new float[] {1, 2, 0, 4, 0, 0}, dx);
        assertArrayEquals(new float[] {1, 0, 3}, inputGrad(Clamp.atLeast(0f), vec(0f, -1f, 5f), vec(1, 2, 3)));
        assertArrayEquals(new float[] {0, 2, 3}, inputGrad(Clamp.atMost(0f), vec(1f, 0f, -5f), vec(1, 2, 3)));
        // min > max: the output is constant max, no gradient anywhere
        assertArrayEquals(new float[] {0, 0, 0}, inputGrad(new Clamp(3f, 1f), vec(0f, 2f, 5f), vec(1, 2, 3)));
    }

    @Test
    void leakyReluUsesTheSlopeAtZero() {
        float s = (float) 0.1;
        float[] dx = inputGrad(new LeakyReLU(0.1), vec(0f, -2f, 2f, Float.NaN), vec(1, 1, 1, 1));
        assertArrayEquals(new float[] {s, s, 1, s}, dx);
    }

    @Test
    void hardswishAtItsKinksFollowsPyTorch() {
        // hardswish_backward: x < -3 → 0; -3 <= x <= 3 → x/3 + 1/2; x > 3 → 1 (NaN falls through to 1)
        float[] dx = inputGrad(new Hardswish(), vec(-3f, 3f, -4f, 4f, 0f, 1.5f, Float.NaN), ones(7));
        assertArrayEquals(new float[] {-0.5f, 1.5f, 0f, 1f, 0.5f, 1f, 1f}, dx);
    }

    @Test
    void hardsigmoidIsFlatAtItsKinks() {
        // hardsigmoid_backward: 1/6 strictly inside (-3, 3)
        float[] dx = inputGrad(new Hardsigmoid(), vec(-3f, 3f, 0f, -4f, 4f), ones(5));
        assertArrayEquals(new float[] {0f, 0f, 1f / 6f, 0f, 0f}, dx);
    }

    @Test
    void sqrtAndLogAtZeroAreInfinite() {
        assertEquals(Float.POSITIVE_INFINITY, inputGrad(new Sqrt(), vec(0f), ones(1))[0]);
        assertEquals(Float.POSITIVE_INFINITY, inputGrad(new Log(), vec(0f), ones(1))[0]);
    }

    @ParameterizedTest(name = "{0} {1} ⊙ {2}")
    @CsvSource(delimiter = ';', value = {
        "Add; 2,3,4,5; 3,1,1",
        "Add; 3,1,1; 2,3,4,5",
        "Add; 2,3,4,5; 1,5",
        "Add; 1,5; 2,3,4,5",
        "Add; 2,3,4,5; 2,1,4,1",
        "Add; 2,1,4,1; 2,3,4,5",
        "Add; 2,3; 2,3",
        "Sub; 2,3,4,5; 3,1,1",
        "Sub; 3,1,1; 2,3,4,5",
        "Sub; 2,3,4,5; 1,5",
        "Sub; 1,5; 2,3,4,5",
        "Sub; 2,3,4,5; 2,1,4,1",
        "Sub; 2,1,4,1; 2,3,4,5",
        "Mul; 2,3,4,5; 3,1,1",
        "Mul; 3,1,1; 2,3,4,5",
        "Mul; 2,3,4,5; 1,5",
        "Mul; 1,5; 2,3,4,5",
        "Mul; 2,3,4,5; 2,1,4,1",
        "Mul; 2,1,4,1; 2,3,4,5",
        "Mul; 3,1; 1,4",
        "Div; 2,3,4,5; 3,1,1",
        "Div; 3,1,1; 2,3,4,5",
        "Div; 2,3,4,5; 1,5",
        "Div; 1,5; 2,3,4,5",
        "Div; 2,3,4,5; 2,1,4,1",
        "Div; 2,1,4,1; 2,3,4,5",
    })
    void broadcastingArithmetic(String op, String a, String b) {
        Op o = switch (op) {
            case "Add" -> new Add();
            case "Sub" -> new Sub();
            case "Mul" -> new Mul();
            default -> new Div();
        };
        Tensor ta = smooth(SEED + 10, -2, 2, dims(a));
        // divisors in ±[0.5, 2): away from 0, where 1/b is steep
        Tensor tb = "Div".equals(op) ? awayFromZero(SEED + 11, dims(b)) : smooth(SEED + 11, -2, 2, dims(b));
        check(o, ta, tb);
    }

    private static int[] dims(String csv) {
        String[] p = csv.split(",");
        int[] d = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        return d;
    }

    private static Tensor awayFromZero(long seed, int... dims) {
        Tensor t = smooth(seed, 0.5, 2, dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i += 2) {
            d[i] = -d[i];
        }
        return t;
    }

    @Test
    void scalarOperandGetsTheFullSum() {
        Tensor a = smooth(SEED + 12, -1, 1, 2, 3);
        Tensor s = Tensor.scalar(0.75f);
        check(new Mul(), a, s);
        check(new Sub(), s, a);
        // d(a + s)/ds with dy = 1 is the number of elements
        Graph g = ElementwiseTestSupport.graph(new Add(), a.shape(), s.shape());
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Tape tape = Executor.forward(g, ctx, a, s).tape();
        tape.backward(Tensor.full(Shape.of(2, 3), 1f));
        assertEquals(Shape.of(), tape.inputGrad(1).shape());
        assertEquals(6f, tape.inputGrad(1).data()[0]);
    }

    @Test
    void reduceToSumsBroadcastDimensions() {
        Tensor g = Tensor.zeros(2, 3, 4);
        float[] d = g.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        assertSame(g, BroadcastSupport.reduceTo(g, g.shape()));
        // over dims 0 and 2: channel c sums (c*4 .. c*4+3) + (12 + c*4 .. 12 + c*4+3)
        assertArrayEquals(new float[] {60, 92, 124}, BroadcastSupport.reduceTo(g, Shape.of(3, 1)).data());
        // over dim 0 only (rank dropped)
        float[] rows = BroadcastSupport.reduceTo(g, Shape.of(3, 4)).data();
        assertEquals(0f + 12f, rows[0]);
        assertEquals(11f + 23f, rows[11]);
        // over dims 0 and 1: column j sums j + 4k for k < 6
        assertArrayEquals(new float[] {60, 66, 72, 78}, BroadcastSupport.reduceTo(g, Shape.of(1, 1, 4)).data());
        assertArrayEquals(new float[] {276}, BroadcastSupport.reduceTo(g, Shape.of()).data());
    }

    @Test
    void reduceToIsExactOnLargeInputs() {
        // more elements than one parallel block, integers so every summation order is exact
        Tensor g = Tensor.zeros(64, 3, 40, 40);
        float[] d = g.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = i % 7;
        }
        float[] c = BroadcastSupport.reduceTo(g, Shape.of(3, 1, 1)).data();
        float[] w = BroadcastSupport.reduceTo(g, Shape.of(40)).data();
        for (int ch = 0; ch < 3; ch++) {
            double want = 0;
            for (int n = 0; n < 64; n++) {
                for (int k = 0; k < 1600; k++) {
                    want += d[(n * 3 + ch) * 1600 + k];
                }
            }
            assertEquals(want, c[ch], 0.0);
        }
        double want = 0;
        for (int i = 5; i < d.length; i += 40) {
            want += d[i];
        }
        assertEquals(want, w[5], 0.0);
    }

    @Test
    void constantHasNoInputGradients() {
        Constant c = Constant.scalar(2f);
        assertEquals(0, c.backward(null, null).length);
        // x * Constant: the gradient reaches x only
        GraphBuilder b = new GraphBuilder("scale");
        Value x = b.input("x", Shape.of(2, 3));
        Value k = b.call("k", c);
        Graph g = b.build(b.call("mul", new Mul(), x, k));
        GradCheck.of(g, Mode.TRAIN).step(STEP).tolerance(RTOL, ATOL).seed(SEED).run(smooth(SEED + 13, -1, 1, 2, 3));
    }
}
