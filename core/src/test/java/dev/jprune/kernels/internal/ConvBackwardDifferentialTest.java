package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Vector convolution gradients against the scalar direct loops at every vector width. The input gradient
 * starts as NaN (every element must be overwritten); the weight and bias gradients start with random
 * contents that must be added to. Geometries cover every input-gradient algorithm (depthwise, 1×1 GEMM,
 * flipped forward convolution, GEMM + col2im) and the weight-gradient ones (depthwise, implicit GEMM with
 * and without a padded copy), with stride, padding, dilation, groups, channel multipliers, odd sizes and
 * batches, with and without bias.
 *
 * <p>Tolerance: {@code |a − b| ≤ rtol · max|ref| + atol} with {@code rtol = 2e-6 · sqrt(K + 1)},
 * {@code atol = 1e-6 · sqrt(K + 1)}, where {@code K} is the length of the sums: {@code Cout/groups · KH · KW}
 * for the input gradient, {@code N · OH · OW} for the weight and bias gradients; data uniform in
 * {@code [-1, 1)}.
 */
class ConvBackwardDifferentialTest {

    private static final long SEED = 4242L;

    /** (batch, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups). */
    private static final int[][] SPECS = {
        {2, 5, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1},      // 3x3 same padding, odd sizes, batch: flipped
        {1, 4, 10, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1},     // stride 2: lowered
        {1, 3, 12, 9, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1},      // dilation 2: flipped
        {2, 6, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2},       // groups 2
        {1, 12, 7, 7, 9, 3, 3, 1, 1, 0, 0, 1, 1, 3},      // groups 3, no padding (weights read the input itself)
        {1, 3, 6, 13, 4, 3, 5, 1, 2, 0, 2, 1, 1, 1},      // non-square kernel, horizontal stride: lowered
        {1, 2, 3, 3, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1},       // kernel as large as the padded input
        {1, 3, 7, 7, 4, 3, 3, 2, 1, 0, 1, 1, 1, 1},       // vertical stride only, bottom rows unused
        {2, 16, 7, 9, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1},     // 1x1: GEMMs
        {1, 8, 5, 5, 8, 1, 1, 1, 1, 0, 0, 3, 3, 4},       // 1x1 grouped
        {1, 8, 9, 9, 6, 1, 1, 2, 2, 0, 0, 1, 1, 1},       // 1x1 stride 2
        {1, 4, 5, 6, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // 1x1 padded: lowered (padding beyond the kernel)
        {2, 8, 11, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8},     // depthwise
        {1, 6, 12, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 6},     // depthwise stride 2
        {2, 4, 9, 37, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4},      // depthwise, multiplier 2, rows past two vectors
        {1, 3, 10, 37, 9, 5, 3, 1, 1, 4, 0, 2, 1, 3},     // depthwise, multiplier 3, dilation, asymmetric padding
        {1, 5, 4, 40, 5, 7, 7, 1, 1, 3, 3, 1, 1, 5},      // depthwise 7x7
        {3, 32, 10, 10, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // K = 288, several tap tiles
        {1, 16, 17, 17, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // Cout past several column panels, OH·OW = 289 > KC
        {2, 6, 7, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2},      // groups 2, implicit forward path for dX
        {3, 2, 5, 56, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},     // wide rows, batch 3
        {2, 9, 15, 15, 12, 7, 7, 2, 2, 3, 3, 1, 1, 3},    // 7x7 stride 2 grouped (stem-like)
    };

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void matchesScalarReference(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        for (int i = 0; i < SPECS.length; i++) {
            Conv2dSpec s = spec(SPECS[i]);
            check(vector, s, i % 2 == 0, SEED + i);
            check(vector, s, i % 2 != 0, SEED + 100 + i);
        }
    }

    @Test
    void scalarInputGradientIsTheAdjointOfTheForward() {
        // <conv(x), dy> == <x, dX(dy)> and <conv_w(x), dy> == <w, dW(x, dy)>: checks the reference itself.
        Kernels scalar = KernelLoader.scalar();
        for (int i = 0; i < SPECS.length; i++) {
            Conv2dSpec s = spec(SPECS[i]);
            long seed = SEED + 200 + i;
            Random rnd = new Random(seed);
            float[] x = KernelTesting.uniform(rnd, inLen(s));
            float[] w = KernelTesting.uniform(rnd, wLen(s));
            float[] dy = KernelTesting.uniform(rnd, outLen(s));
            float[] y = new float[outLen(s)];
            scalar.conv2d(s, x, w, null, y);
            float[] dx = new float[inLen(s)];
            scalar.conv2dBackwardInput(s, dy, w, dx);
            float[] dw = new float[wLen(s)];
            scalar.conv2dBackwardWeight(s, x, dy, dw, null);
            double lhs = dotD(y, dy);
            double tol = 1e-4 * Math.sqrt(outLen(s)) * Math.sqrt(wLen(s));
            assertClose(lhs, dotD(x, dx), tol, "<conv(x), dy> vs <x, dX> " + s + " seed=" + seed);
            assertClose(lhs, dotD(w, dw), tol, "<conv(x), dy> vs <w, dW> " + s + " seed=" + seed);
        }
    }

    @Test
    void rejectsShortArrays() {
        Conv2dSpec s = new Conv2dSpec(1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        for (Kernels k : new Kernels[] {KernelLoader.scalar(), KernelLoader.vector(256)}) {
            if (k == null) {
                continue;
            }
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2dBackwardInput(s, new float[48], new float[54], new float[31]), k + ": short gradInput");
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2dBackwardInput(s, new float[47], new float[54], new float[32]), k + ": short gradOutput");
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2dBackwardWeight(s, new float[32], new float[48], new float[53], null), k + ": short gradWeight");
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2dBackwardWeight(s, new float[32], new float[48], new float[54], new float[2]), k + ": short gradBias");
        }
    }

    static Conv2dSpec spec(int[] p) {
        return new Conv2dSpec(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]);
    }

    static int inLen(Conv2dSpec s) {
        return s.batch() * s.inChannels() * s.height() * s.width();
    }

    static int wLen(Conv2dSpec s) {
        return s.outChannels() * s.inChannels() / s.groups() * s.kernelH() * s.kernelW();
    }

    static int outLen(Conv2dSpec s) {
        return s.batch() * s.outChannels() * s.outH() * s.outW();
    }

    private static void check(Kernels vector, Conv2dSpec s, boolean withBias, long seed) {
        Kernels scalar = KernelLoader.scalar();
        Random rnd = new Random(seed);
        float[] x = KernelTesting.uniform(rnd, inLen(s));
        float[] w = KernelTesting.uniform(rnd, wLen(s));
        float[] dy = KernelTesting.uniform(rnd, outLen(s));
        float[] dw0 = KernelTesting.uniform(rnd, wLen(s));
        float[] db0 = withBias ? KernelTesting.uniform(rnd, s.outChannels()) : null;
        float[] x0 = x.clone();
        float[] w0 = w.clone();
        float[] dy0 = dy.clone();
        String what = vector.name() + " " + s + " bias=" + withBias + " seed=" + seed;

        float[] dxRef = new float[inLen(s)];
        float[] dx = new float[inLen(s)];
        Arrays.fill(dx, Float.NaN);
        scalar.conv2dBackwardInput(s, dy, w, dxRef);
        vector.conv2dBackwardInput(s, dy, w, dx);
        double kIn = Math.sqrt(s.outChannels() / s.groups() * s.kernelH() * s.kernelW() + 1.0);
        KernelTesting.assertClose(dxRef, dx, 2e-6 * kIn, 1e-6 * kIn, "conv2dBackwardInput " + what);

        float[] dwRef = dw0.clone();
        float[] dw = dw0.clone();
        float[] dbRef = withBias ? db0.clone() : null;
        float[] db = withBias ? db0.clone() : null;
        scalar.conv2dBackwardWeight(s, x, dy, dwRef, dbRef);
        vector.conv2dBackwardWeight(s, x, dy, dw, db);
        double kW = Math.sqrt(s.batch() * s.outH() * s.outW() + 1.0);
        KernelTesting.assertClose(dwRef, dw, 2e-6 * kW, 1e-6 * kW, "conv2dBackwardWeight dW " + what);
        if (withBias) {
            KernelTesting.assertClose(dbRef, db, 2e-6 * kW, 1e-6 * kW, "conv2dBackwardWeight dB " + what);
        }
        assertArrayEquals(x0, x, what + ": input was modified");
        assertArrayEquals(w0, w, what + ": weight was modified");
        assertArrayEquals(dy0, dy, what + ": gradOutput was modified");
    }

    private static double dotD(float[] a, float[] b) {
        double acc = 0;
        for (int i = 0; i < a.length; i++) {
            acc += (double) a[i] * b[i];
        }
        return acc;
    }

    private static void assertClose(double expected, double actual, double tol, String what) {
        if (!(Math.abs(expected - actual) <= tol)) {
            throw new AssertionError(what + ": " + actual + " vs " + expected + ", tolerance " + tol);
        }
    }
}
