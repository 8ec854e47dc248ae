package dev.jprune.kernels.internal;

import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vector element-wise kernels against the scalar ones at every vector width, for every length 0..70
 * (whole vectors plus every tail), with offsets and with the output aliasing an input. Elements outside
 * {@code [outOff, outOff + n)} must not change.
 *
 * <p>add, mul, clamp and reluBackward are exact in both (one IEEE operation per element), so they must agree bit for
 * bit, NaN and signed zeros included. scaleShift may fuse the multiply-add: {@code rtol = 1e-6},
 * {@code atol = 1e-7}. sum adds in a different order: {@code |vector − scalar| ≤ 1e-6 · n · Σ|x|}
 * (the worst-case bound of float summation, about n · 2^-24 · Σ|x| for each).
 */
class ElementwiseDifferentialTest {

    private static final long SEED = 4242L;
    private static final int MAX_LEN = 70;
    private static final int A_OFF = 1;
    private static final int B_OFF = 3;
    private static final int OUT_OFF = 2;

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void addMulClampAreExact(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        Kernels scalar = KernelLoader.scalar();
        for (int n = 0; n <= MAX_LEN; n++) {
            long seed = SEED + n;
            Random rnd = new Random(seed);
            float[] a = special(KernelTesting.uniform(rnd, n + A_OFF + 2), rnd);
            float[] b = special(KernelTesting.uniform(rnd, n + B_OFF + 1), rnd);
            float[] out0 = KernelTesting.uniform(rnd, n + OUT_OFF + 3);
            String at = " n=" + n + " seed=" + seed + " " + vector.name();

            float[] ref = out0.clone();
            float[] out = out0.clone();
            scalar.add(a, A_OFF, b, B_OFF, ref, OUT_OFF, n);
            vector.add(a, A_OFF, b, B_OFF, out, OUT_OFF, n);
            assertArrayEquals(ref, out, "add" + at);

            ref = out0.clone();
            out = out0.clone();
            scalar.mul(a, A_OFF, b, B_OFF, ref, OUT_OFF, n);
            vector.mul(a, A_OFF, b, B_OFF, out, OUT_OFF, n);
            assertArrayEquals(ref, out, "mul" + at);

            ref = out0.clone();
            out = out0.clone();
            scalar.clamp(a, A_OFF, -0.5f, 0.25f, ref, OUT_OFF, n);
            vector.clamp(a, A_OFF, -0.5f, 0.25f, out, OUT_OFF, n);
            assertArrayEquals(ref, out, "clamp" + at);

            ref = out0.clone();
            out = out0.clone();
            scalar.clamp(a, A_OFF, 0f, Float.POSITIVE_INFINITY, ref, OUT_OFF, n);
            vector.clamp(a, A_OFF, 0f, Float.POSITIVE_INFINITY, out, OUT_OFF, n);
            assertArrayEquals(ref, out, "relu" + at);

            ref = out0.clone();
            out = out0.clone();
            scalar.reluBackward(a, A_OFF, b, B_OFF, ref, OUT_OFF, n);
            vector.reluBackward(a, A_OFF, b, B_OFF, out, OUT_OFF, n);
            assertArrayEquals(ref, out, "reluBackward" + at);
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void scaleShiftAndSumAgree(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        Kernels scalar = KernelLoader.scalar();
        for (int n = 0; n <= MAX_LEN; n++) {
            long seed = SEED + 100 + n;
            Random rnd = new Random(seed);
            float[] x = KernelTesting.uniform(rnd, n + A_OFF);
            float[] out0 = KernelTesting.uniform(rnd, n + OUT_OFF + 2);
            String at = " n=" + n + " seed=" + seed + " " + vector.name();

            float[] ref = out0.clone();
            float[] out = out0.clone();
            scalar.scaleShift(x, A_OFF, 1.7f, -0.3f, ref, OUT_OFF, n);
            vector.scaleShift(x, A_OFF, 1.7f, -0.3f, out, OUT_OFF, n);
            int len = n;
            KernelTesting.assertClose(ref, out, out0, i -> i >= OUT_OFF && i < OUT_OFF + len, 1e-6, 1e-7, "scaleShift" + at);

            double absSum = 0;
            for (int i = 0; i < n; i++) {
                absSum += Math.abs(x[A_OFF + i]);
            }
            float expected = scalar.sum(x, A_OFF, n);
            float actual = vector.sum(x, A_OFF, n);
            double tol = 1e-6 * n * absSum;
            assertTrue(Math.abs(expected - actual) <= tol,
                    "sum" + at + ": vector " + actual + ", scalar " + expected + ", tolerance " + tol);
            assertEquals(actual, vector.sum(x, A_OFF, n), "sum must be reproducible" + at);
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void outputMayAliasInput(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        Kernels scalar = KernelLoader.scalar();
        long seed = SEED + 999;
        Random rnd = new Random(seed);
        float[] a = KernelTesting.uniform(rnd, 67);
        float[] b = KernelTesting.uniform(rnd, 67);
        float[] ref = a.clone();
        float[] out = a.clone();
        scalar.add(ref, 0, b, 0, ref, 0, 67);
        vector.add(out, 0, b, 0, out, 0, 67);
        assertArrayEquals(ref, out, "add in place, seed=" + seed);
        float[] bRef = b.clone();
        float[] bOut = b.clone();
        scalar.mul(a, 0, bRef, 0, bRef, 0, 67);
        vector.mul(a, 0, bOut, 0, bOut, 0, 67);
        assertArrayEquals(bRef, bOut, "mul into b, seed=" + seed);
        scalar.clamp(ref, 0, -0.1f, 0.1f, ref, 0, 67);
        vector.clamp(out, 0, -0.1f, 0.1f, out, 0, 67);
        assertArrayEquals(ref, out, "clamp in place, seed=" + seed);
    }

    @Test
    void rejectsRangesPastTheArray() {
        for (Kernels k : new Kernels[] {KernelLoader.scalar(), KernelLoader.vector(512)}) {
            if (k == null) {
                continue;
            }
            float[] x = new float[10];
            assertThrows(IllegalArgumentException.class, () -> k.add(x, 1, x, 0, x, 0, 10), k + ": add");
            assertThrows(IllegalArgumentException.class, () -> k.sum(x, 0, 11), k + ": sum");
            assertThrows(IllegalArgumentException.class, () -> k.clamp(x, 0, 0f, 1f, x, -1, 3), k + ": clamp");
        }
    }

    /** Sprinkles NaN, infinities and signed zeros into a few positions so exact comparisons cover them. */
    private static float[] special(float[] x, Random rnd) {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        for (int i = 0; i < x.length; i += 7) {
            x[i] = specials[rnd.nextInt(specials.length)];
        }
        return x;
    }
}
