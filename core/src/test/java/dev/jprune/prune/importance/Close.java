package dev.jprune.prune.importance;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/** Float comparison as the conventions ask: |a − b| ≤ rtol · max|ref| + atol. */
final class Close {

    static final double RTOL = 1e-6;
    static final double ATOL = 1e-7;

    private Close() {
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertNotNull(actual, what + ": no scores");
        assertEquals(expected.length, actual.length, what + ": length");
        double ref = 0;
        for (double e : expected) {
            ref = Math.max(ref, Math.abs(e));
        }
        double tol = RTOL * ref + ATOL;
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + ": index " + i + " expected " + expected[i] + " got " + actual[i] + " (tolerance " + tol
                        + "); expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
            }
        }
    }
}
