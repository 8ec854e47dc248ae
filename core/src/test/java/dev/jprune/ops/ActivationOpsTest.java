package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.SpecialFunctions;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

import static dev.jprune.ops.ElementwiseTestSupport.assertClose;
import static dev.jprune.ops.ElementwiseTestSupport.assertInvalid;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.reference;
import static dev.jprune.ops.ElementwiseTestSupport.run;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Activations and unary math ops against double-precision references written here. Tolerance unless stated:
 * {@code |a − b| <= 1e-6 · max|ref| + 1e-7} (float rounding of a double result).
 */
class ActivationOpsTest {

    private static final double RTOL = 1e-6;
    private static final double ATOL = 1e-7;

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double relu6(double x) {
        return x < 0 ? 0 : Math.min(x, 6);
    }

    /** Each op with its independent reference, on inputs in [-8, 8). */
    private static List<Object[]> cases() {
        return List.of(
                new Object[] {new ReLU6(), (DoubleUnaryOperator) ActivationOpsTest::relu6},
                new Object[] {new SiLU(), (DoubleUnaryOperator) x -> x * sigmoid(x)},
                new Object[] {new Sigmoid(), (DoubleUnaryOperator) ActivationOpsTest::sigmoid},
                new Object[] {new Tanh(), (DoubleUnaryOperator) x -> (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1)},
                new Object[] {new Hardsigmoid(), (DoubleUnaryOperator) x -> x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5},
                new Object[] {new Hardswish(), (DoubleUnaryOperator) x -> x <= -3 ? 0 : x >= 3 ? x : x * (x + 3) / 6},
                new Object[] {new LeakyReLU(0.1), (DoubleUnaryOperator) x -> x > 0 ? x : 0.1f * x},
                new Object[] {new Clamp(-1.5f, 2.25f), (DoubleUnaryOperator) x -> x < -1.5 ? -1.5 : x > 2.25 ? 2.25 : x},
                new Object[] {new Exp(), (DoubleUnaryOperator) Math::exp},
                new Object[] {GELU.exact(), (DoubleUnaryOperator) x -> 0.5 * x * (1 + ElementwiseTestSupport.erfBySimpson(x / Math.sqrt(2)))},
                new Object[] {new GELU("tanh"), (DoubleUnaryOperator) x -> {
                    double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
                    return 0.5 * x * (1 + (Math.exp(2 * u) - 1) / (Math.exp(2 * u) + 1));
                }},
                new Object[] {new Erf(), (DoubleUnaryOperator) ElementwiseTestSupport::erfBySimpson});
    }

    @Test
    void forwardMatchesDoubleReferencesThroughAGraph() {
        Tensor x = uniform(11, -8f, 8f, 2, 3, 5, 7);
        for (Object[] c : cases()) {
            Op op = (Op) c[0];
            double[] ref = reference(x, (DoubleUnaryOperator) c[1]);
            for (Kernels k : ElementwiseTestSupport.KERNELS) {
                Tensor y = run(op, k, x);
                assertEquals(x.shape(), y.shape(), op.describe());
                assertClose(ref, y, RTOL, ATOL, op.describe() + " on " + k.name());
            }
        }
    }

    @Test
    void logAndSqrtOnPositiveInputsAndTheirEdges() {
        Tensor x = uniform(5, 1e-3f, 50f, 4, 64);
        assertClose(reference(x, Math::log), run(new Log(), x), RTOL, ATOL, "log");
        assertClose(reference(x, Math::sqrt), run(new Sqrt(), x), RTOL, ATOL, "sqrt");
        Tensor edges = Tensor.of(Shape.of(4), 0f, -1f, Float.POSITIVE_INFINITY, -0f);
        float[] log = run(new Log(), edges).data();
        assertEquals(Float.NEGATIVE_INFINITY, log[0]);
        assertTrue(Float.isNaN(log[1]));
        assertEquals(Float.POSITIVE_INFINITY, log[2]);
        float[] sqrt = run(new Sqrt(), edges).data();
        assertEquals(0f, sqrt[0]);
        assertTrue(Float.isNaN(sqrt[1]));
        assertEquals(Float.POSITIVE_INFINITY, sqrt[2]);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(sqrt[3]), "sqrt(-0) is -0");
        // exactly representable squares come out exact (correct rounding)
        assertEquals(3f, run(new Sqrt(), Tensor.of(Shape.of(1), 9f)).data()[0]);
    }

    @Test
    void erfMatchesKnownValuesAndIsAccurateEverywhere() {
        // Values from Python's math.erf.
        double[][] known = {{0.5, 0.5204998778130465}, {1.0, 0.8427007929497149}, {2.0, 0.9953222650189527},
                {3.0, 0.9999779095030014}, {-0.1, -0.1124629160182849}, {2.4, 0.999311486103355},
                {2.6, 0.9997639655834707}, {4.0, 0.9999999845827421}, {1e-3, 0.0011283787909692365},
                {-1.7, -0.9837904585907745}};
        for (double[] kv : known) {
            assertEquals(kv[1], SpecialFunctions.erf(kv[0]), 5e-15, "erf(" + kv[0] + ")");
            assertEquals(kv[1], SpecialFunctions.erfReference(kv[0]), 5e-15, "reference erf(" + kv[0] + ")");
        }
        // relative accuracy near zero (erf(x) ≈ 2x/√π)
        assertEquals(2e-9 / Math.sqrt(Math.PI), SpecialFunctions.erf(1e-9), 1e-24);
        double worst = 0;
        for (int i = -7000; i <= 7000; i += 7) {
            double x = i / 1000.0;
            double ref = Math.abs(x) > 6 ? Math.signum(x) : ElementwiseTestSupport.erfBySimpson(x);
            worst = Math.max(worst, Math.abs(SpecialFunctions.erf(x) - ref));
            worst = Math.max(worst, Math.abs(SpecialFunctions.erfReference(x) - ref));
        }
        assertTrue(worst < 1e-11, "max |erf - simpson| = " + worst);
        assertEquals(0.0, SpecialFunctions.erf(0.0));
        assertEquals(1.0, SpecialFunctions.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, SpecialFunctions.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(SpecialFunctions.erf(Double.NaN)));
        // The float op is within 1e-7 absolute of the exact value (the brief's bound) on a dense grid.
        Tensor x = uniform(3, -6f, 6f, 20000);
        Tensor y = run(new Erf(), x);
        for (int i = 0; i < x.numel(); i++) {
            double ref = ElementwiseTestSupport.erfBySimpson(x.data()[i]);
            assertTrue(Math.abs(y.data()[i] - ref) <= 1e-7, "erf(" + x.data()[i] + ") = " + y.data()[i] + " vs " + ref);
        }
    }

    @Test
    void geluMatchesKnownValues() {
        // Python: 0.5*x*(1+math.erf(x/math.sqrt(2))) and the tanh form.
        Tensor x = Tensor.of(Shape.of(5), 1f, -1f, 0.5f, -3f, 2f);
        double[] exact = {0.8413447460685429, -0.15865525393145707, 0.34573123063700656, -0.00404969409489031, 1.9544997361036416};
        double[] tanh = {0.8411919906082768, -0.15880800939172324, 0.34571400982514394, -0.0036373920817729943, 1.954597694087775};
        assertClose(exact, run(GELU.exact(), x), 0, 1e-7, "gelu exact");
        assertClose(tanh, run(new GELU("tanh"), x), 0, 1e-7, "gelu tanh");
    }

    @Test
    void hardActivationsAreExactAtTheirBreakpoints() {
        Tensor x = Tensor.of(Shape.of(7), -4f, -3f, -1.5f, 0f, 1f, 3f, 4f);
        float[] hs = run(new Hardswish(), x).data();
        float[] hg = run(new Hardsigmoid(), x).data();
        float[] r6 = run(new ReLU6(), Tensor.of(Shape.of(5), -1f, 0f, 5.5f, 6f, 7f)).data();
        assertEquals(0f, hs[0], 0f, "hardswish(-4) = -0 (PyTorch too)");
        assertEquals(0f, hs[1], 0f, "hardswish(-3) = -0");
        assertEquals(-1.5f * 1.5f / 6f, hs[2]);
        assertEquals(0f, hs[3]);
        assertEquals(4f / 6f, hs[4]);
        assertEquals(3f, hs[5], "hardswish(3) = 3");
        assertEquals(4f, hs[6]);
        assertEquals(0f, hg[1], "hardsigmoid(-3) = 0");
        assertEquals(0.5f, hg[3]);
        assertEquals(1f, hg[5], "hardsigmoid(3) = 1");
        assertEquals(1f, hg[6]);
        assertEquals(0.25f, hg[2]);
        assertEquals(List.of(0f, 0f, 5.5f, 6f, 6f), List.of(r6[0], r6[1], r6[2], r6[3], r6[4]));
    }

    @Test
    void nanPropagatesAndSaturationIsClean() {
        Tensor nan = Tensor.of(Shape.of(1), Float.NaN);
        for (Object[] c : cases()) {
            for (Kernels k : ElementwiseTestSupport.KERNELS) {
                assertTrue(Float.isNaN(run((Op) c[0], k, nan).data()[0]), ((Op) c[0]).describe() + " keeps NaN on " + k.name());
            }
        }
        Tensor big = Tensor.of(Shape.of(2), -1000f, 1000f);
        float[] s = run(new Sigmoid(), big).data();
        assertEquals(0f, s[0]);
        assertEquals(1f, s[1]);
        float[] silu = run(new SiLU(), big).data();
        assertEquals(0f, silu[0], 0f);
        assertEquals(1000f, silu[1]);
        float[] g = run(GELU.exact(), big).data();
        assertEquals(0f, g[0], 0f);
        assertEquals(1000f, g[1]);
    }

    @Test
    void clampFollowsTorchClamp() {
        Tensor x = Tensor.of(Shape.of(5), -5f, 0.5f, 9f, Float.NaN, Float.NEGATIVE_INFINITY);
        for (Kernels k : ElementwiseTestSupport.KERNELS) {
            float[] y = run(new Clamp(-1f, 1f), k, x).data();
            assertEquals(-1f, y[0]);
            assertEquals(0.5f, y[1]);
            assertEquals(1f, y[2]);
            assertTrue(Float.isNaN(y[3]), "NaN input stays NaN on " + k.name());
            assertEquals(-1f, y[4]);
            // min > max: every element becomes max, as torch.clamp
            float[] z = run(new Clamp(2f, 1f), k, x).data();
            assertEquals(1f, z[0]);
            assertEquals(1f, z[1]);
            assertEquals(1f, z[2]);
            assertEquals(1f, z[4]);
            float[] lo = run(Clamp.atLeast(0f), k, x).data();
            assertEquals(0f, lo[0]);
            assertEquals(9f, lo[2]);
            float[] hi = run(Clamp.atMost(0f), k, x).data();
            assertEquals(-5f, hi[0]);
            assertEquals(0f, hi[2]);
            assertEquals(Float.NEGATIVE_INFINITY, hi[4]);
        }
    }

    @Test
    void leakyReluUsesTheSlopeOnlyBelowZero() {
        Tensor x = Tensor.of(Shape.of(4), -2f, -0f, 0f, 3f);
        float[] y = run(new LeakyReLU(0.2), x).data();
        assertEquals(-2f * 0.2f, y[0]);
        assertEquals(0f, Math.abs(y[1]));
        assertEquals(0f, y[2]);
        assertEquals(3f, y[3]);
        assertInvalid(() -> new LeakyReLU(Double.NaN), "LeakyReLU", "negative_slope");
    }

    @Test
    void shapesPassThroughAndBadArityIsNamed() {
        Shape s = Shape.of(2, 3, 4, 5);
        for (Object[] c : cases()) {
            Op op = (Op) c[0];
            assertEquals(s, op.inferShapes(new Shape[] {s})[0], op.describe());
            assertEquals(Shape.of(), op.inferShapes(new Shape[] {Shape.of()})[0], op.describe() + " on a scalar");
            assertShapeError(op, new Shape[] {s, s}, op.type(), "1 input", "got 2");
        }
        for (Op op : List.<Op>of(new Log(), new Sqrt())) {
            assertShapeError(op, new Shape[] {}, op.type(), "1 input", "got 0");
        }
        assertInvalid(() -> new GELU("fast"), "GELU", "'none' or 'tanh'", "fast");
    }

    @Test
    void countOpsFollowsTorchPruning() {
        Shape s = Shape.of(2, 3, 4, 5);
        Shape[] in = {s};
        long numel = 120;
        assertEquals(numel, new ReLU6().countOps(in, in));
        assertEquals(numel, GELU.exact().countOps(in, in));
        assertEquals(numel, new GELU("tanh").countOps(in, in));
        assertEquals(numel, new LeakyReLU(0.01).countOps(in, in));
        for (Op op : List.<Op>of(new SiLU(), new Hardswish(), new Hardsigmoid(), new Sigmoid(), new Tanh(),
                new Clamp(0f, 1f), new Exp(), new Log(), new Sqrt(), new Erf())) {
            assertEquals(0, op.countOps(in, in), op.describe());
        }
        // Through the counter: per example (batch 2), module calls only.
        Graph g = ElementwiseTestSupport.graph(GELU.exact(), s);
        assertEquals(60, OpCounter.count(g).ops());
    }

    @Test
    void describeMimicsPyTorch() {
        assertEquals("ReLU6()", new ReLU6().describe());
        assertEquals("SiLU()", new SiLU().describe());
        assertEquals("GELU(approximate='none')", GELU.exact().describe());
        assertEquals("GELU(approximate='tanh')", new GELU("tanh").describe());
        assertEquals("Hardswish()", new Hardswish().describe());
        assertEquals("Hardsigmoid()", new Hardsigmoid().describe());
        assertEquals("Sigmoid()", new Sigmoid().describe());
        assertEquals("Tanh()", new Tanh().describe());
        assertEquals("LeakyReLU(negative_slope=0.01)", LeakyReLU.of().describe());
        assertEquals("Clamp(min=0.0, max=6.0)", new Clamp(0f, 6f).describe());
        assertEquals("Clamp(min=0.1, max=None)", Clamp.atLeast(0.1f).describe());
        assertEquals("Exp()", new Exp().describe());
        assertEquals("Erf", new Erf().type());
        assertEquals("Sqrt", new Sqrt().type());
        assertEquals("Log", new Log().type());
    }
}
