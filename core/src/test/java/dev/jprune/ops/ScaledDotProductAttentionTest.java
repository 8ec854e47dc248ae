package dev.jprune.ops;

import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.KERNELS;
import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.random;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ScaledDotProductAttention} vs a double reference; tolerance |a − b| ≤ 1e-5·max|ref| + 1e-6. */
class ScaledDotProductAttentionTest {

    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    /** softmax(q·kᵀ·scale)·v per batch entry, q/k/v with equal batch dimensions flattened to {@code batches}. */
    static double[] reference(float[] q, float[] k, float[] v, int batches, int l, int s, int dd, int dv, double scale) {
        double[] out = new double[batches * l * dv];
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < l; i++) {
                double[] w = new double[s];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    for (int p = 0; p < dd; p++) {
                        dot += (double) q[(b * l + i) * dd + p] * k[(b * s + j) * dd + p];
                    }
                    w[j] = dot * scale;
                    max = Math.max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int c = 0; c < dv; c++) {
                    double acc = 0;
                    for (int j = 0; j < s; j++) {
                        acc += w[j] / sum * v[(b * s + j) * dv + c];
                    }
                    out[(b * l + i) * dv + c] = acc;
                }
            }
        }
        return out;
    }

    @Test
    void matchesReferenceWithDefaultAndExplicitScale() {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor q = random(r, 2, 3, 5, 4);
        Tensor k = random(r, 2, 3, 7, 4);
        Tensor v = random(r, 2, 3, 7, 6);
        for (Double scale : new Double[] {null, 0.3}) {
            ScaledDotProductAttention op = new ScaledDotProductAttention(scale);
            double[] ref = reference(q.data(), k.data(), v.data(), 6, 5, 7, 4, 6, scale == null ? 0.5 : scale);
            for (Kernels kern : KERNELS) {
                Tensor out = run(op, kern, Map.of(), q, k, v)[0];
                assertEquals(Shape.of(2, 3, 5, 6), out.shape());
                Tolerance.assertClose(ref, d(out), RTOL, ATOL, op.describe() + " on " + kern.name() + " seed " + SEED);
            }
        }
    }

    @Test
    void broadcastsBatchDimensions() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        Tensor q = random(r, 2, 3, 4, 5);
        Tensor k = random(r, 1, 3, 6, 5);  // shared across the first batch dimension
        Tensor v = random(r, 3, 6, 2);     // fewer dimensions: left-padded
        Tensor out = run(ScaledDotProductAttention.of(), q, k, v)[0];
        assertEquals(Shape.of(2, 3, 4, 2), out.shape());
        // expand k and v explicitly, then use the equal-batch reference
        float[] ke = new float[2 * 3 * 6 * 5];
        float[] ve = new float[2 * 3 * 6 * 2];
        for (int a = 0; a < 2; a++) {
            System.arraycopy(k.data(), 0, ke, a * 90, 90);
            System.arraycopy(v.data(), 0, ve, a * 36, 36);
        }
        double[] ref = reference(q.data(), ke, ve, 6, 4, 6, 5, 2, 1 / Math.sqrt(5));
        Tolerance.assertClose(ref, d(out), RTOL, ATOL, "broadcast SDPA seed " + (SEED + 1));
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        Tensor q = random(r, 1, 3, 4);
        Tensor k = random(r, 1, 5, 4);
        Tensor v = random(r, 1, 5, 2);
        for (int i = 0; i < q.numel(); i++) {
            q.data()[i] *= 300f; // logits of several hundred: exp overflows without the max shift
        }
        Tensor out = run(ScaledDotProductAttention.of(), q, k, v)[0];
        for (float f : out.data()) {
            assertTrue(Float.isFinite(f), "non-finite attention output");
        }
        Tolerance.assertClose(reference(q.data(), k.data(), v.data(), 1, 3, 5, 4, 2, 0.5), d(out), 1e-4, 1e-5,
                "large logits seed " + (SEED + 2));
    }

    @Test
    void shapeErrorsAndCounts() {
        ScaledDotProductAttention op = ScaledDotProductAttention.of();
        assertEquals(Shape.of(2, 4, 8, 3), infer(op, Shape.of(2, 4, 8, 5), Shape.of(2, 4, 6, 5), Shape.of(2, 4, 6, 3)));
        assertMessage(() -> op.inferShapes(new Shape[] {Shape.of(2, 8, 5), Shape.of(2, 6, 4), Shape.of(2, 6, 3)}),
                "ScaledDotProductAttention", "D = 5", "got 4");
        assertMessage(() -> op.inferShapes(new Shape[] {Shape.of(2, 8, 5), Shape.of(2, 6, 5), Shape.of(2, 7, 3)}),
                "ScaledDotProductAttention", "S = 6", "got 7");
        assertMessage(() -> op.inferShapes(new Shape[] {Shape.of(2, 8, 5), Shape.of(3, 6, 5), Shape.of(3, 6, 3)}),
                "ScaledDotProductAttention", "do not broadcast", "(2, 8, 5)", "(3, 6, 5)");
        assertMessage(() -> op.inferShapes(new Shape[] {Shape.of(5), Shape.of(6, 5), Shape.of(6, 3)}),
                "ScaledDotProductAttention", "at least 2");
        assertMessage(() -> new ScaledDotProductAttention(Double.NaN), "ScaledDotProductAttention", "finite");
        Shape[] in = {Shape.of(2, 4, 8, 5), Shape.of(2, 4, 6, 5), Shape.of(2, 4, 6, 3)};
        assertEquals(8L * 8 * 6 * (5 + 3), op.macs(in, op.inferShapes(in)));
        assertEquals("ScaledDotProductAttention(scale=None)", op.describe());
        assertEquals("ScaledDotProductAttention(scale=0.125)", new ScaledDotProductAttention(0.125).describe());
    }
}
