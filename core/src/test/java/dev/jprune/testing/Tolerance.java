package dev.jprune.testing;

import org.junit.jupiter.api.Assertions;

/** The project's float comparison: {@code |a − b| ≤ rtol · max|ref| + atol}, never element-wise relative error. */
public final class Tolerance {

    private Tolerance() {
    }

    /** Asserts {@code actual} matches {@code ref} element by element under the rule, naming the first mismatch. */
    public static void assertClose(double[] ref, double[] actual, double rtol, double atol, String what) {
        Assertions.assertEquals(ref.length, actual.length, what + ": length");
        double maxRef = 0;
        for (double r : ref) {
            maxRef = Math.max(maxRef, Math.abs(r));
        }
        double tol = rtol * maxRef + atol;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - actual[i]);
            if (!(d <= tol)) {
                Assertions.fail(String.format("%s: element %d is %s, reference %s, |diff| %.3g > %.3g (rtol %g · max|ref| %g + atol %g)",
                        what, i, actual[i], ref[i], d, tol, rtol, maxRef, atol));
            }
        }
    }

    /** Float array to double array. */
    public static double[] toDouble(float[] f, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
