package dev.jprune.kernels.internal;

import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Vector GEMM against the scalar reference at every vector width, for all four transposition
 * combinations, beta 0 (C filled with NaN first) and 1, odd sizes that leave every kind of tail
 * (rows of a micro-tile, columns of a panel, a K block, a parallel tile) and non-trivial leading
 * dimensions and offsets. Elements of C outside the {@code (m, n)} window must not change at all.
 *
 * <p>Tolerance: {@code |vector − scalar| ≤ rtol · max|scalar| + atol} with
 * {@code rtol = 2e-6 · sqrt(k + 1)} and {@code atol = 1e-6 · sqrt(k + 1)}; inputs are uniform in
 * {@code [-1, 1)}, so a wrong or missing term (about 0.3 in size) is far outside it.
 */
class GemmDifferentialTest {

    private static final int[] SIZES = {1, 3, 7, 17, 33, 65, 129};
    private static final long SEED = 20240611L;

    /** The (m, n, k) triples: every pair of odd sizes with a rotating k, plus block-crossing sizes. */
    static List<int[]> shapes() {
        List<int[]> shapes = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            for (int j = 0; j < SIZES.length; j++) {
                shapes.add(new int[] {SIZES[i], SIZES[j], SIZES[(i + 2 * j) % SIZES.length]});
            }
        }
        shapes.add(new int[] {8, 32, 256});      // exact micro-tile, panel and K block at 512 bits
        shapes.add(new int[] {16, 64, 257});     // one K step past a block
        shapes.add(new int[] {131, 70, 40});     // rows past one 128-row tile
        shapes.add(new int[] {20, 530, 9});      // columns past one column tile at every width
        shapes.add(new int[] {9, 33, 520});      // three K blocks, the last partial
        shapes.add(new int[] {2, 1, 1000});      // long dot products
        shapes.add(new int[] {3, 600, 40});      // few rows: unpacked path, past one 512-column block
        shapes.add(new int[] {4, 70, 33});       // the largest unpacked row count
        shapes.add(new int[] {5, 70, 33});       // the smallest packed row count
        return shapes;
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void matchesScalarForAllTranspositionsAndBetas(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        int caseNo = 0;
        for (int[] s : shapes()) {
            for (int t = 0; t < 4; t++) {
                for (float beta : new float[] {0f, 1f}) {
                    boolean padded = (caseNo % 3) != 0;
                    check(vector, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], beta, padded, SEED + caseNo);
                    caseNo++;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void handlesEmptyDimensions(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        long seed = SEED + 7;
        for (float beta : new float[] {0f, 1f}) {
            check(vector, false, false, 5, 9, 0, beta, true, seed);   // k = 0: C = beta · C
            check(vector, true, true, 5, 9, 0, beta, false, seed);
            check(vector, false, true, 0, 9, 4, beta, true, seed);    // nothing to write
            check(vector, true, false, 5, 0, 4, beta, true, seed);
        }
    }

    @Test
    void rejectsBadArguments() {
        for (Kernels k : new Kernels[] {KernelLoader.scalar(), KernelLoader.vector(256)}) {
            if (k == null) {
                continue;
            }
            float[] x = new float[16];
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemm(false, false, 4, 4, 4, x, 0, 4, x, 0, 4, 0.5f, x, 0, 4), k + ": beta 0.5");
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemm(false, false, 4, 4, 4, x, 0, 3, x, 0, 4, 0f, x, 0, 4), k + ": lda < k");
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemm(false, false, 4, 4, 4, x, 1, 4, x, 0, 4, 0f, x, 0, 4), k + ": A past its array");
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemm(false, true, 4, 5, 4, x, 0, 4, x, 0, 4, 0f, x, 0, 5), k + ": B^T too short");
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemm(false, false, -1, 4, 4, x, 0, 4, x, 0, 4, 0f, x, 0, 4), k + ": negative m");
        }
    }

    /** Runs one case through scalar and vector kernels and compares them. */
    static void check(Kernels vector, boolean transA, boolean transB, int m, int n, int k, float beta,
                      boolean padded, long seed) {
        Random rnd = new Random(seed);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = Math.max(1, aCols) + (padded ? 3 : 0);
        int ldb = Math.max(1, bCols) + (padded ? 1 : 0);
        int ldc = Math.max(1, n) + (padded ? 5 : 0);
        int aOff = padded ? 7 : 0;
        int bOff = padded ? 2 : 0;
        int cOff = padded ? 3 : 0;
        float[] a = KernelTesting.uniform(rnd, aOff + aRows * lda + 2);
        float[] b = KernelTesting.uniform(rnd, bOff + bRows * ldb + 1);
        float[] c = KernelTesting.uniform(rnd, cOff + m * ldc + 4);
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c[cOff + i * ldc + j] = Float.NaN;
                }
            }
        }
        float[] a0 = a.clone();
        float[] b0 = b.clone();
        float[] c0 = c.clone();
        float[] ref = c.clone();
        KernelLoader.scalar().gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, ref, cOff, ldc);
        vector.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String what = String.format("%s gemm transA=%b transB=%b m=%d n=%d k=%d beta=%s lda=%d ldb=%d ldc=%d seed=%d",
                vector.name(), transA, transB, m, n, k, beta, lda, ldb, ldc, seed);
        double scale = Math.sqrt(k + 1.0);
        KernelTesting.assertClose(ref, c, c0, i -> {
            int r = (i - cOff) / ldc;
            int col = (i - cOff) % ldc;
            return i >= cOff && r < m && col < n;
        }, 2e-6 * scale, 1e-6 * scale, what);
        assertArrayEquals(a0, a, what + ": A was modified");
        assertArrayEquals(b0, b, what + ": B was modified");
    }
}
