package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Run in a fresh JVM by {@link CompiledVectorKernelsTest}: uses only the default vector kernels (one
 * width, so the JIT compiles the vector code to SIMD instructions rather than the API's Java fallback)
 * and compares them with the scalar kernels over and over until the hot loops have been compiled.
 * Prints {@code OK} on stderr and exits 0, or prints the first mismatch there and exits 1 (stdout carries the
 * JIT log, which would otherwise interleave with the verdict).
 */
public final class CompiledVectorCheck {

    private static final long SEED = 5150L;

    private CompiledVectorCheck() {
    }

    /** One comparison: runs the vector kernels into {@code out} and checks it against {@code ref}. */
    private interface Case {
        String describe();

        float[] run(Kernels k);
    }

    /**
     * Entry point.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Kernels vector = KernelLoader.best();
        if (!vector.name().startsWith("vector-")) {
            System.err.println("FAIL: expected vector kernels, got " + vector.name());
            System.exit(2);
        }
        Random rnd = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        int[][] shapes = {{37, 45, 300}, {130, 70, 19}, {3, 100, 50}, {64, 96, 64}};
        for (int[] sh : shapes) {
            for (int t = 0; t < 4; t++) {
                for (float beta : new float[] {0f, 1f}) {
                    cases.add(gemmCase(rnd, (t & 1) != 0, (t & 2) != 0, sh[0], sh[1], sh[2], beta));
                }
            }
        }
        cases.add(convCase(rnd, new Conv2dSpec(2, 8, 10, 28, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1)));   // implicit
        cases.add(convCase(rnd, new Conv2dSpec(1, 8, 11, 11, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1)));   // im2col
        cases.add(convCase(rnd, new Conv2dSpec(1, 16, 9, 9, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1)));    // pointwise
        cases.add(convCase(rnd, new Conv2dSpec(1, 6, 13, 37, 12, 3, 3, 1, 1, 1, 1, 1, 1, 6)));   // depthwise
        cases.add(elementwiseCase(rnd, 1000 + 13));
        Kernels scalar = KernelLoader.scalar();
        List<float[]> refs = new ArrayList<>();
        for (Case c : cases) {
            refs.add(c.run(scalar));
        }
        long deadline = System.nanoTime() + 4_000_000_000L;
        int rounds = 0;
        while (rounds < 40 || (System.nanoTime() < deadline && rounds < 400)) {
            for (int i = 0; i < cases.size(); i++) {
                float[] out = cases.get(i).run(vector);
                String bad = compare(refs.get(i), out);
                if (bad != null) {
                    System.err.println("FAIL: round " + rounds + ", " + cases.get(i).describe() + ", seed " + SEED + ": " + bad);
                    System.exit(1);
                }
            }
            rounds++;
        }
        System.err.println("OK " + vector.name() + " " + rounds + " rounds of " + cases.size() + " cases");
    }

    /** |a − b| ≤ 1e-4 · max|ref| + 1e-5 (K ≤ 300 here), or a description of the first element that is not. */
    private static String compare(float[] ref, float[] out) {
        double max = 0;
        for (float r : ref) {
            max = Math.max(max, Math.abs(r));
        }
        double tol = 1e-4 * max + 1e-5;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(ref[i]) != Float.isNaN(out[i]) || Math.abs(ref[i] - out[i]) > tol) {
                return "element " + i + " is " + out[i] + ", scalar " + ref[i] + ", tolerance " + tol;
            }
        }
        return null;
    }

    private static float[] uniform(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() * 2f - 1f;
        }
        return x;
    }

    private static Case gemmCase(Random rnd, boolean ta, boolean tb, int m, int n, int k, float beta) {
        int lda = (ta ? m : k) + 1;
        int ldb = (tb ? k : n) + 2;
        int ldc = n + 3;
        float[] a = uniform(rnd, (ta ? k : m) * lda);
        float[] b = uniform(rnd, (tb ? n : k) * ldb);
        float[] c0 = uniform(rnd, m * ldc);
        return new Case() {
            @Override
            public String describe() {
                return "gemm transA=" + ta + " transB=" + tb + " m=" + m + " n=" + n + " k=" + k + " beta=" + beta;
            }

            @Override
            public float[] run(Kernels kernels) {
                float[] c = c0.clone();
                kernels.gemm(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
                return c;
            }
        };
    }

    private static Case convCase(Random rnd, Conv2dSpec s) {
        float[] in = uniform(rnd, s.batch() * s.inChannels() * s.height() * s.width());
        float[] w = uniform(rnd, s.outChannels() * s.inChannels() / s.groups() * s.kernelH() * s.kernelW());
        float[] bias = uniform(rnd, s.outChannels());
        return new Case() {
            @Override
            public String describe() {
                return "conv2d " + s;
            }

            @Override
            public float[] run(Kernels kernels) {
                float[] out = new float[s.batch() * s.outChannels() * s.outH() * s.outW()];
                Arrays.fill(out, Float.NaN);
                kernels.conv2d(s, in, w, bias, out);
                return out;
            }
        };
    }

    private static Case elementwiseCase(Random rnd, int n) {
        float[] a = uniform(rnd, n);
        float[] b = uniform(rnd, n);
        return new Case() {
            @Override
            public String describe() {
                return "add, mul, scaleShift, clamp, reluBackward, sum n=" + n;
            }

            @Override
            public float[] run(Kernels kernels) {
                float[] out = new float[5 * n + 1];
                kernels.add(a, 0, b, 0, out, 0, n);
                kernels.mul(a, 0, b, 0, out, n, n);
                kernels.scaleShift(a, 0, 0.5f, 0.25f, out, 2 * n, n);
                kernels.clamp(a, 0, -0.5f, 0.5f, out, 3 * n, n);
                kernels.reluBackward(a, 0, b, 0, out, 4 * n, n);
                out[5 * n] = kernels.sum(a, 0, n) / n;
                return out;
            }
        };
    }
}
