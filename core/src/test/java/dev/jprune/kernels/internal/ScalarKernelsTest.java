package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scalar reference itself, against double-precision loops written independently here and against
 * small cases worked out by hand.
 *
 * <p>Tolerance against the double reference: {@code rtol = 1e-6 · sqrt(K)}, {@code atol = 1e-6 · sqrt(K)},
 * where K is the length of each dot product (float accumulation of K terms of size ≤ 1).
 */
class ScalarKernelsTest {

    private static final long SEED = 99L;
    private final Kernels scalar = KernelLoader.scalar();

    @Test
    void gemmMatchesDoublePrecision() {
        int[][] shapes = {{1, 1, 1}, {3, 7, 17}, {17, 33, 7}, {65, 3, 129}, {33, 65, 65}};
        int caseNo = 0;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                for (float beta : new float[] {0f, 1f}) {
                    long seed = SEED + caseNo++;
                    gemmCase((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], beta, seed);
                }
            }
        }
    }

    private void gemmCase(boolean transA, boolean transB, int m, int n, int k, float beta, long seed) {
        Random rnd = new Random(seed);
        int lda = (transA ? m : k) + 2;
        int ldb = (transB ? k : n) + 1;
        int ldc = n + 3;
        float[] a = KernelTesting.uniform(rnd, 1 + (transA ? k : m) * lda);
        float[] b = KernelTesting.uniform(rnd, (transB ? n : k) * ldb);
        float[] c = KernelTesting.uniform(rnd, 2 + m * ldc);
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[1 + p * lda + i] : a[1 + i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += av * bv;
                }
                int ci = 2 + i * ldc + j;
                expected[ci] = (float) (beta == 0f ? acc : acc + c[ci]);
            }
        }
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c[2 + i * ldc + j] = Float.NaN;
                }
            }
        }
        float[] untouched = c.clone();
        scalar.gemm(transA, transB, m, n, k, a, 1, lda, b, 0, ldb, beta, c, 2, ldc);
        double scale = Math.sqrt(k);
        KernelTesting.assertClose(expected, c, untouched, i -> i >= 2 && (i - 2) / ldc < m && (i - 2) % ldc < n,
                1e-6 * scale, 1e-6 * scale,
                "scalar gemm vs double transA=" + transA + " transB=" + transB + " m=" + m + " n=" + n + " k=" + k
                        + " beta=" + beta + " seed=" + seed);
    }

    @Test
    void gemmByHand() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; with beta = 1 and C = 1 everywhere: + 1.
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        scalar.gemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
        float[] ones = {1, 1, 1, 1};
        scalar.gemm(true, true, 2, 2, 2, a, 0, 2, b, 0, 2, 1f, ones, 0, 2);
        // A^T · B^T = [1 3; 2 4] · [5 7; 6 8] = [23 31; 34 46]
        assertArrayEquals(new float[] {24, 32, 35, 47}, ones);
    }

    @Test
    void convByHand() {
        // One 3x3 channel, 2x2 kernel, stride 1, padding 0: each output sums a 2x2 window weighted 1, 2, 3, 4.
        float[] in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] w = {1, 2, 3, 4};
        float[] out = new float[4];
        scalar.conv2d(new Conv2dSpec(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1), in, w, new float[] {0.5f}, out);
        assertArrayEquals(new float[] {37.5f, 47.5f, 67.5f, 77.5f}, out);
        // Padding 1, stride 2: outputs at (-1,-1), (-1,1), (1,-1), (1,1) see the corners.
        float[] out2 = new float[4];
        scalar.conv2d(new Conv2dSpec(1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1), in, w, null, out2);
        assertArrayEquals(new float[] {4, 2 * 3 + 3 * 4, 4 * 2 + 7 * 4, 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4}, out2);
    }

    @Test
    void convMatchesDoublePrecision() {
        Conv2dSpec[] specs = {
            new Conv2dSpec(2, 4, 7, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1),
            new Conv2dSpec(1, 6, 9, 8, 4, 3, 2, 2, 1, 1, 0, 2, 1, 2),
            new Conv2dSpec(2, 3, 5, 5, 6, 5, 5, 1, 1, 2, 2, 1, 1, 3),
        };
        for (int i = 0; i < specs.length; i++) {
            Conv2dSpec s = specs[i];
            long seed = SEED + 1000 + i;
            Random rnd = new Random(seed);
            int cinG = s.inChannels() / s.groups();
            int coutG = s.outChannels() / s.groups();
            float[] in = KernelTesting.uniform(rnd, s.batch() * s.inChannels() * s.height() * s.width());
            float[] w = KernelTesting.uniform(rnd, s.outChannels() * cinG * s.kernelH() * s.kernelW());
            float[] bias = KernelTesting.uniform(rnd, s.outChannels());
            float[] expected = new float[s.batch() * s.outChannels() * s.outH() * s.outW()];
            int idx = 0;
            for (int n = 0; n < s.batch(); n++) {
                for (int oc = 0; oc < s.outChannels(); oc++) {
                    int g = oc / coutG;
                    for (int y = 0; y < s.outH(); y++) {
                        for (int x = 0; x < s.outW(); x++) {
                            double acc = bias[oc];
                            for (int ic = 0; ic < cinG; ic++) {
                                for (int ky = 0; ky < s.kernelH(); ky++) {
                                    for (int kx = 0; kx < s.kernelW(); kx++) {
                                        int iy = y * s.strideH() + ky * s.dilationH() - s.padH();
                                        int ix = x * s.strideW() + kx * s.dilationW() - s.padW();
                                        if (iy >= 0 && iy < s.height() && ix >= 0 && ix < s.width()) {
                                            int c = g * cinG + ic;
                                            acc += (double) in[((n * s.inChannels() + c) * s.height() + iy) * s.width() + ix]
                                                    * w[((oc * cinG + ic) * s.kernelH() + ky) * s.kernelW() + kx];
                                        }
                                    }
                                }
                            }
                            expected[idx++] = (float) acc;
                        }
                    }
                }
            }
            float[] out = new float[expected.length];
            scalar.conv2d(s, in, w, bias, out);
            double scale = Math.sqrt(cinG * s.kernelH() * s.kernelW());
            KernelTesting.assertClose(expected, out, 1e-6 * scale, 1e-6 * scale, "scalar conv vs double " + s + " seed=" + seed);
        }
    }

    @Test
    void elementwiseByHand() {
        float[] a = {1, -2, 3.5f};
        float[] b = {4, 5, -6};
        float[] out = new float[4];
        scalar.add(a, 0, b, 0, out, 1, 3);
        assertArrayEquals(new float[] {0, 5, 3, -2.5f}, out);
        scalar.mul(a, 1, b, 1, out, 0, 2);
        assertArrayEquals(new float[] {-10, -21, 3, -2.5f}, out);
        scalar.scaleShift(a, 0, 2f, 1f, out, 0, 3);
        assertArrayEquals(new float[] {3, -3, 8, -2.5f}, out);
        scalar.clamp(a, 0, 0f, 3f, out, 0, 3);
        assertArrayEquals(new float[] {1, 0, 3, -2.5f}, out);
        assertEquals(2.5f, scalar.sum(a, 0, 3));
        assertEquals(0f, scalar.sum(a, 3, 0));
    }

    @Test
    void reluBackwardPassesTheGradientWhereTheOutputIsPositive() {
        Kernels scalar = KernelLoader.scalar();
        float[] y = {2f, 0f, -0f, Float.NaN, 1e-30f, -1f};
        float[] dy = {1f, 2f, 3f, 4f, 5f, 6f};
        float[] out = new float[7];
        out[6] = 9f;
        scalar.reluBackward(y, 0, dy, 0, out, 0, 6);
        assertArrayEquals(new float[] {1f, 0f, 0f, 0f, 5f, 0f, 9f}, out);
        scalar.reluBackward(y, 0, dy, 0, dy, 0, 6); // in place over dy
        assertArrayEquals(new float[] {1f, 0f, 0f, 0f, 5f, 0f}, dy);
    }
}
