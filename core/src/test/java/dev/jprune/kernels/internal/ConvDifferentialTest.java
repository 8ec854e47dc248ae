package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Vector convolution (im2col + GEMM, implicit GEMM, the 1×1 fast path, the direct depthwise path) against the scalar
 * direct loops at every vector width, with and without bias, on geometries that cover stride, padding,
 * dilation, groups, depthwise with and without a channel multiplier, non-square inputs and kernels,
 * batches and K dimensions longer than one GEMM block. The output starts as NaN so every element must be
 * written.
 *
 * <p>Tolerance: {@code rtol = 2e-6 · sqrt(K + 1)}, {@code atol = 1e-6 · sqrt(K + 1)} with
 * {@code K = Cin / groups · KH · KW}; inputs uniform in {@code [-1, 1)}.
 */
class ConvDifferentialTest {

    private static final long SEED = 31337L;

    /** (batch, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups). */
    private static final int[][] SPECS = {
        {2, 5, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1},      // 3x3 same padding, non-square input, batch
        {1, 4, 10, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1},     // stride 2
        {1, 3, 12, 9, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1},      // dilation 2
        {2, 6, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2},       // groups 2
        {1, 12, 7, 7, 9, 3, 3, 1, 1, 0, 0, 1, 1, 3},      // groups 3, no padding
        {1, 3, 6, 13, 4, 3, 5, 1, 2, 0, 2, 1, 1, 1},      // non-square kernel, stride and padding
        {1, 2, 3, 3, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1},       // kernel as large as the padded input
        {2, 16, 7, 9, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1},     // 1x1 fast path
        {1, 8, 5, 5, 8, 1, 1, 1, 1, 0, 0, 3, 3, 4},       // 1x1 grouped fast path (dilation irrelevant)
        {1, 8, 9, 9, 6, 1, 1, 2, 2, 0, 0, 1, 1, 1},       // 1x1 stride 2: im2col path
        {1, 4, 5, 6, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // 1x1 padded: im2col path
        {2, 8, 11, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8},     // depthwise
        {1, 6, 12, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 6},     // depthwise stride 2
        {1, 4, 9, 20, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4},      // depthwise, channel multiplier 2
        {1, 3, 10, 37, 9, 5, 3, 1, 1, 4, 0, 2, 1, 3},     // depthwise, multiplier 3, dilation, asymmetric padding
        {1, 5, 4, 40, 5, 7, 7, 1, 1, 3, 3, 1, 1, 5},      // depthwise 7x7, rows longer than a vector
        {3, 32, 10, 10, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // K = 288 > one K block
        {1, 16, 6, 6, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // Cout past one 128-row tile
        {5, 4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},       // batch 5: parallel over images
        // Output widths 28, 32, 56, 60 fill the column blocks: the implicit-GEMM path at every width.
        {2, 6, 10, 28, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // 3x3 same padding, Cout not a multiple of 8
        {1, 4, 12, 30, 9, 3, 3, 2, 1, 1, 2, 1, 1, 1},     // vertical stride 2, unequal padding, OW 32
        {1, 3, 9, 32, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1},      // dilation 2, OW 32
        {1, 6, 7, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2},      // groups 2
        {1, 32, 6, 28, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // K = 288: two K blocks
        {1, 3, 9, 60, 17, 5, 3, 1, 1, 2, 0, 1, 2, 1},     // 5x3 kernel, horizontal dilation, no W padding
        {3, 2, 5, 56, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // Cout past 128, batch 3
        {1, 4, 8, 64, 8, 1, 1, 1, 1, 1, 0, 1, 1, 1},      // padded 1x1 (only H), OW 64
    };

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void matchesScalarDirectConvolution(int bits) {
        Kernels vector = KernelTesting.vectorOrSkip(bits);
        for (int i = 0; i < SPECS.length; i++) {
            int[] p = SPECS[i];
            Conv2dSpec s = new Conv2dSpec(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]);
            check(vector, s, false, SEED + 2L * i);
            check(vector, s, true, SEED + 2L * i + 1);
        }
    }

    @ParameterizedTest(name = "{0}-bit")
    @ValueSource(ints = {128, 256, 512})
    void specsCoverEveryAlgorithm(int bits) {
        VectorKernels vector = (VectorKernels) KernelTesting.vectorOrSkip(bits);
        Set<String> paths = new TreeSet<>();
        for (int[] p : SPECS) {
            paths.add(vector.convPath(new Conv2dSpec(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
                    p[11], p[12], p[13])));
        }
        assertEquals(new TreeSet<>(List.of(VectorKernels.PATH_DEPTHWISE, VectorKernels.PATH_POINTWISE,
                VectorKernels.PATH_IMPLICIT, VectorKernels.PATH_IM2COL)), paths, vector.name());
    }

    @Test
    void rejectsShortArrays() {
        Conv2dSpec s = new Conv2dSpec(1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        for (Kernels k : new Kernels[] {KernelLoader.scalar(), KernelLoader.vector(256)}) {
            if (k == null) {
                continue;
            }
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2d(s, new float[32], new float[53], null, new float[48]), k + ": short weight");
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2d(s, new float[32], new float[54], new float[2], new float[48]), k + ": short bias");
            assertThrows(IllegalArgumentException.class,
                    () -> k.conv2d(s, new float[31], new float[54], null, new float[48]), k + ": short input");
        }
    }

    static void check(Kernels vector, Conv2dSpec s, boolean withBias, long seed) {
        Random rnd = new Random(seed);
        int kdim = s.inChannels() / s.groups() * s.kernelH() * s.kernelW();
        float[] in = KernelTesting.uniform(rnd, s.batch() * s.inChannels() * s.height() * s.width());
        float[] w = KernelTesting.uniform(rnd, s.outChannels() * kdim);
        float[] bias = withBias ? KernelTesting.uniform(rnd, s.outChannels()) : null;
        int outLen = s.batch() * s.outChannels() * s.outH() * s.outW();
        float[] ref = new float[outLen];
        float[] out = new float[outLen];
        Arrays.fill(out, Float.NaN);
        float[] in0 = in.clone();
        float[] w0 = w.clone();
        KernelLoader.scalar().conv2d(s, in, w, bias, ref);
        vector.conv2d(s, in, w, bias, out);
        String what = vector.name() + " conv2d " + s + " bias=" + withBias + " seed=" + seed;
        double scale = Math.sqrt(kdim + 1.0);
        KernelTesting.assertClose(ref, out, 2e-6 * scale, 1e-6 * scale, what);
        assertArrayEquals(in0, in, what + ": input was modified");
        assertArrayEquals(w0, w, what + ": weight was modified");
    }
}
