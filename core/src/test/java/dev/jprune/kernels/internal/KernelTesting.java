package dev.jprune.kernels.internal;

import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.Random;

/** Helpers for the kernel tests: the vector widths under test, seeded data and the tolerance rule. */
final class KernelTesting {

    /** The vector widths every differential test runs at. */
    static final int[] WIDTHS = {128, 256, 512};

    private KernelTesting() {
    }

    /** The vector kernels of one width; skips the test (with the reason) only when the module is absent. */
    static Kernels vectorOrSkip(int bits) {
        Kernels k = KernelLoader.vector(bits);
        Assumptions.assumeTrue(k != null, "jdk.incubator.vector is not present: skipping the " + bits
                + "-bit vector kernels (run the JVM with --add-modules jdk.incubator.vector)");
        return k;
    }

    /** {@code n} floats uniform in {@code [-1, 1)}. */
    static float[] uniform(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2f - 1f;
        }
        return x;
    }

    /**
     * Asserts {@code |actual − ref| ≤ rtol · max|ref| + atol} for the elements {@code inside} selects, and
     * bit-for-bit equality with {@code untouched} for every other element (a kernel must not write there).
     */
    static void assertClose(float[] ref, float[] actual, float[] untouched, java.util.function.IntPredicate inside,
                            double rtol, double atol, String what) {
        Assertions.assertEquals(ref.length, actual.length, what + ": array length");
        double maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            if (inside.test(i)) {
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
            }
        }
        double tol = rtol * maxRef + atol;
        for (int i = 0; i < ref.length; i++) {
            if (inside.test(i)) {
                double d = Math.abs((double) ref[i] - actual[i]);
                if (!(d <= tol)) {
                    Assertions.fail(String.format("%s: element %d is %s, reference %s, |diff| %.3g > %.3g"
                            + " (rtol %.2g * max|ref| %.4g + atol %.2g)", what, i, actual[i], ref[i], d, tol, rtol, maxRef, atol));
                }
            } else if (untouched != null && Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(untouched[i])) {
                Assertions.fail(what + ": element " + i + " lies outside the output but changed from "
                        + untouched[i] + " to " + actual[i]);
            }
        }
    }

    /** {@link #assertClose(float[], float[], float[], java.util.function.IntPredicate, double, double, String)} over all elements. */
    static void assertClose(float[] ref, float[] actual, double rtol, double atol, String what) {
        assertClose(ref, actual, null, i -> true, rtol, atol, what);
    }
}
