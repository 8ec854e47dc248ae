package dev.jprune.kernels;

import dev.jprune.kernels.internal.KernelLoader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Results must be bit-for-bit identical whatever the pool size: the same GEMM and convolutions run with
 * 1, 2 and 3 threads (including geometries where the convolution switches between parallelising over
 * images and over GEMM tiles), and likewise the convolution gradients, on the scalar kernels, the default
 * kernels and 512-bit vector kernels.
 */
class ThreadCountDeterminismTest {

    private static final long SEED = 777L;

    private static List<Kernels> implementations() {
        List<Kernels> list = new ArrayList<>();
        list.add(Kernels.scalar());
        list.add(Kernels.get());
        Kernels v512 = KernelLoader.vector(512);
        if (v512 != null) {
            list.add(v512);
        }
        return list;
    }

    @Test
    void gemmIsIndependentOfThreadCount() {
        Random rnd = new Random(SEED);
        int m = 150;
        int n = 300;
        int k = 270;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        for (Kernels kernels : implementations()) {
            List<float[]> results = new ArrayList<>();
            for (int threads = 1; threads <= 3; threads++) {
                float[] c = new float[m * n];
                Parallel.withThreads(threads, () -> kernels.gemm(false, true, m, n, k, a, 0, k, b, 0, k, 0f, c, 0, n));
                results.add(c);
            }
            assertFalse(Float.isNaN(results.get(0)[0]));
            for (int t = 1; t < results.size(); t++) {
                assertArrayEquals(results.get(0), results.get(t),
                        kernels.name() + " gemm with " + (t + 1) + " threads differs from 1 thread, seed=" + SEED);
            }
        }
    }

    @Test
    void convolutionIsIndependentOfThreadCount() {
        Conv2dSpec[] specs = {
            new Conv2dSpec(3, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // 3 images: outer with 1 or 3 threads, inner with 2
            new Conv2dSpec(1, 32, 12, 12, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1),   // 1x1, one task: GEMM tiles in parallel
            new Conv2dSpec(2, 12, 15, 15, 24, 3, 3, 2, 2, 1, 1, 1, 1, 12),  // depthwise with multiplier 2
        };
        for (Kernels kernels : implementations()) {
            for (int si = 0; si < specs.length; si++) {
                Conv2dSpec s = specs[si];
                long seed = SEED + si;
                Random rnd = new Random(seed);
                float[] in = random(rnd, s.batch() * s.inChannels() * s.height() * s.width());
                float[] w = random(rnd, s.outChannels() * s.inChannels() / s.groups() * s.kernelH() * s.kernelW());
                float[] bias = random(rnd, s.outChannels());
                float[] first = null;
                for (int threads = 1; threads <= 3; threads++) {
                    float[] out = new float[s.batch() * s.outChannels() * s.outH() * s.outW()];
                    Parallel.withThreads(threads, () -> kernels.conv2d(s, in, w, bias, out));
                    if (first == null) {
                        first = out;
                    } else {
                        assertArrayEquals(first, out, kernels.name() + " conv2d " + s + " with " + threads
                                + " threads differs from 1 thread, seed=" + seed);
                    }
                }
            }
        }
    }

    @Test
    void convolutionGradientsAreIndependentOfThreadCount() {
        Conv2dSpec[] specs = {
            new Conv2dSpec(3, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1),   // flipped forward conv for dX; 18 tap panels
            new Conv2dSpec(1, 32, 12, 12, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1),   // 1x1, one task: GEMM tiles in parallel
            new Conv2dSpec(3, 8, 11, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 2),    // stride 2 grouped: GEMM + col2im
            new Conv2dSpec(2, 12, 15, 15, 24, 3, 3, 2, 2, 1, 1, 1, 1, 12),  // depthwise with multiplier 2
        };
        for (Kernels kernels : implementations()) {
            for (int si = 0; si < specs.length; si++) {
                Conv2dSpec s = specs[si];
                long seed = SEED + 20 + si;
                Random rnd = new Random(seed);
                float[] in = random(rnd, s.batch() * s.inChannels() * s.height() * s.width());
                int wLen = s.outChannels() * s.inChannels() / s.groups() * s.kernelH() * s.kernelW();
                float[] w = random(rnd, wLen);
                float[] dy = random(rnd, s.batch() * s.outChannels() * s.outH() * s.outW());
                float[] dw0 = random(rnd, wLen);
                float[] db0 = random(rnd, s.outChannels());
                float[][] first = null;
                for (int threads = 1; threads <= 3; threads++) {
                    float[] dx = new float[in.length];
                    float[] dw = dw0.clone();
                    float[] db = db0.clone();
                    Parallel.withThreads(threads, () -> {
                        kernels.conv2dBackwardInput(s, dy, w, dx);
                        kernels.conv2dBackwardWeight(s, in, dy, dw, db);
                    });
                    if (first == null) {
                        first = new float[][] {dx, dw, db};
                        assertFalse(Arrays.equals(dw0, dw), kernels.name() + " " + s + ": weight gradient not added");
                    } else {
                        String what = kernels.name() + " " + s + " with " + threads + " threads differs from 1 thread, seed=" + seed;
                        assertArrayEquals(first[0], dx, "conv2dBackwardInput " + what);
                        assertArrayEquals(first[1], dw, "conv2dBackwardWeight dW " + what);
                        assertArrayEquals(first[2], db, "conv2dBackwardWeight dB " + what);
                    }
                }
            }
        }
    }

    @Test
    void sumIsIndependentOfThreadCount() {
        Random rnd = new Random(SEED + 10);
        float[] x = random(rnd, 10_001);
        for (Kernels kernels : implementations()) {
            float[] sums = new float[3];
            for (int threads = 1; threads <= 3; threads++) {
                int t = threads;
                Parallel.withThreads(threads, () -> sums[t - 1] = kernels.sum(x, 0, x.length));
            }
            assertEquals(sums[0], sums[1], kernels.name());
            assertEquals(sums[0], sums[2], kernels.name());
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
