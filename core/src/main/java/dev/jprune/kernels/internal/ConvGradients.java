package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;

/**
 * Convolution gradients lowered to matrix products: {@code dcol = Wᵀ · dY} then col2im for the input gradient,
 * {@code dW += dY · colᵀ} for the weights. Images are processed in order for the weight gradient so the sum does not
 * depend on the thread count; the input gradient is parallel over images (independent outputs). This is the
 * {@link Kernels} default; {@link ScalarKernels} (direct loops) and {@code VectorKernels} (fast paths) override it.
 */
public final class ConvGradients {

    private ConvGradients() {
    }

    /** See {@link Kernels#conv2dBackwardInput}. */
    public static void backwardInput(Kernels k, Conv2dSpec s, float[] gradOutput, float[] weight, float[] gradInput) {
        int g = s.groups();
        int cinG = s.inChannels() / g;
        int coutG = s.outChannels() / g;
        int kk = cinG * s.kernelH() * s.kernelW();
        int p = s.outH() * s.outW();
        int hw = s.height() * s.width();
        java.util.Arrays.fill(gradInput, 0, s.batch() * s.inChannels() * hw, 0f);
        Parallel.forRange(s.batch(), n -> {
            float[] col = new float[kk * p];
            for (int gi = 0; gi < g; gi++) {
                int dyOff = (n * s.outChannels() + gi * coutG) * p;
                int wOff = gi * coutG * kk;
                k.gemm(true, false, kk, p, coutG, weight, wOff, kk, gradOutput, dyOff, p, 0f, col, 0, p);
                ConvLowering.col2imAdd(s, col, cinG, gradInput, (n * s.inChannels() + gi * cinG) * hw);
            }
        });
    }

    /** See {@link Kernels#conv2dBackwardWeight}. */
    public static void backwardWeight(Kernels k, Conv2dSpec s, float[] input, float[] gradOutput, float[] gradWeight,
                                      float[] gradBias) {
        int g = s.groups();
        int cinG = s.inChannels() / g;
        int coutG = s.outChannels() / g;
        int kk = cinG * s.kernelH() * s.kernelW();
        int p = s.outH() * s.outW();
        int hw = s.height() * s.width();
        float[] col = new float[kk * p];
        for (int n = 0; n < s.batch(); n++) {
            for (int gi = 0; gi < g; gi++) {
                ConvLowering.im2col(s, input, (n * s.inChannels() + gi * cinG) * hw, cinG, col);
                int dyOff = (n * s.outChannels() + gi * coutG) * p;
                k.gemm(false, true, coutG, kk, p, gradOutput, dyOff, p, col, 0, p, 1f, gradWeight, gi * coutG * kk, kk);
            }
        }
        if (gradBias != null) {
            for (int c = 0; c < s.outChannels(); c++) {
                double acc = 0;
                for (int n = 0; n < s.batch(); n++) {
                    acc += k.sum(gradOutput, (n * s.outChannels() + c) * p, p);
                }
                gradBias[c] += (float) acc;
            }
        }
    }
}
