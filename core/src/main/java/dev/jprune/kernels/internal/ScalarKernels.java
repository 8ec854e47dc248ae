package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;

import java.util.Arrays;

/**
 * The scalar reference kernels: plain loops whose correctness can be read off the code. They are the
 * fallback when {@code jdk.incubator.vector} is absent and the reference the vector kernels are tested
 * against.
 *
 * <p>GEMM accumulates every output element in {@code float}, {@code k} ascending from zero, with separate
 * multiply and add (no fused multiply-add), then adds the old {@code C} when {@code beta = 1}; the loops
 * run {@code i, p, j} with a row accumulator, which performs exactly the additions of the textbook
 * {@code i, j, p} dot product in the same order. Convolution is the direct seven-deep loop, summing over
 * input channel, kernel row and kernel column in that order, then adding the bias. Work is spread over
 * the pool by rows or by (image, output channel), which never changes any result. The convolution gradients are
 * direct loops too, independent of any lowering to matrix products.
 */
public final class ScalarKernels implements Kernels {

    /** Rows of C per parallel block in GEMM. */
    private static final int GEMM_ROWS_PER_BLOCK = 8;

    /** Creates the scalar kernels; prefer {@link KernelLoader#scalar()}, which shares one instance. */
    public ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        int blocks = (m + GEMM_ROWS_PER_BLOCK - 1) / GEMM_ROWS_PER_BLOCK;
        Parallel.forRange(blocks, block -> {
            float[] acc = new float[n];
            int rowEnd = Math.min(m, (block + 1) * GEMM_ROWS_PER_BLOCK);
            for (int i = block * GEMM_ROWS_PER_BLOCK; i < rowEnd; i++) {
                Arrays.fill(acc, 0f);
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    if (transB) {
                        for (int j = 0; j < n; j++) {
                            acc[j] += aip * b[bOff + j * ldb + p];
                        }
                    } else {
                        int row = bOff + p * ldb;
                        for (int j = 0; j < n; j++) {
                            acc[j] += aip * b[row + j];
                        }
                    }
                }
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = beta == 0f ? acc[j] : c[ci + j] + acc[j];
                }
            }
        });
    }

    @Override
    public void conv2d(Conv2dSpec s, float[] input, float[] weight, float[] bias, float[] output) {
        Checks.conv2d(s, input, weight, bias, output);
        int cin = s.inChannels();
        int h = s.height();
        int w = s.width();
        int cout = s.outChannels();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int cinPerGroup = cin / s.groups();
        int coutPerGroup = cout / s.groups();
        Parallel.forRange(s.batch() * cout, block -> {
            int img = block / cout;
            int oc = block % cout;
            int firstIn = (oc / coutPerGroup) * cinPerGroup;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    float acc = 0f;
                    for (int ic = 0; ic < cinPerGroup; ic++) {
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = y * s.strideH() - s.padH() + ky * s.dilationH();
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = x * s.strideW() - s.padW() + kx * s.dilationW();
                                if (ix < 0 || ix >= w) {
                                    continue;
                                }
                                float in = input[((img * cin + firstIn + ic) * h + iy) * w + ix];
                                float wt = weight[((oc * cinPerGroup + ic) * kh + ky) * kw + kx];
                                acc += in * wt;
                            }
                        }
                    }
                    if (bias != null) {
                        acc += bias[oc];
                    }
                    output[((img * cout + oc) * oh + y) * ow + x] = acc;
                }
            }
        });
    }

    /**
     * The direct gather form: each input-gradient element sums, over the output channels of its group and
     * the kernel taps (row, then column) that reach it, weight times output gradient. Parallel over
     * (image, input channel) planes.
     */
    @Override
    public void conv2dBackwardInput(Conv2dSpec s, float[] gradOutput, float[] weight, float[] gradInput) {
        Checks.conv2dGradient("conv2dBackwardInput", s, gradInput, weight, gradOutput, null);
        int cin = s.inChannels();
        int h = s.height();
        int w = s.width();
        int cout = s.outChannels();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int cinPerGroup = cin / s.groups();
        int coutPerGroup = cout / s.groups();
        Parallel.forRange(s.batch() * cin, block -> {
            int img = block / cin;
            int ic = block % cin;
            int g = ic / cinPerGroup;
            int icl = ic % cinPerGroup;
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    float acc = 0f;
                    for (int oc = g * coutPerGroup; oc < (g + 1) * coutPerGroup; oc++) {
                        for (int ky = 0; ky < kh; ky++) {
                            int ty = iy + s.padH() - ky * s.dilationH();
                            if (ty < 0 || ty % s.strideH() != 0 || ty / s.strideH() >= oh) {
                                continue;
                            }
                            int y = ty / s.strideH();
                            for (int kx = 0; kx < kw; kx++) {
                                int tx = ix + s.padW() - kx * s.dilationW();
                                if (tx < 0 || tx % s.strideW() != 0 || tx / s.strideW() >= ow) {
                                    continue;
                                }
                                int x = tx / s.strideW();
                                float dy = gradOutput[((img * cout + oc) * oh + y) * ow + x];
                                float wt = weight[((oc * cinPerGroup + icl) * kh + ky) * kw + kx];
                                acc += wt * dy;
                            }
                        }
                    }
                    gradInput[((img * cin + ic) * h + iy) * w + ix] = acc;
                }
            }
        });
    }

    /**
     * The direct form: each weight-gradient element is one sum over images, output rows and output columns
     * (in that order) of output gradient times the input pixel its tap sees, added to {@code gradWeight};
     * the bias gradient likewise sums the output gradient. Parallel over output channels.
     */
    @Override
    public void conv2dBackwardWeight(Conv2dSpec s, float[] input, float[] gradOutput, float[] gradWeight,
                                     float[] gradBias) {
        Checks.conv2dGradient("conv2dBackwardWeight", s, input, gradWeight, gradOutput, gradBias);
        int cin = s.inChannels();
        int h = s.height();
        int w = s.width();
        int cout = s.outChannels();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int cinPerGroup = cin / s.groups();
        int coutPerGroup = cout / s.groups();
        Parallel.forRange(cout, oc -> {
            int firstIn = (oc / coutPerGroup) * cinPerGroup;
            for (int icl = 0; icl < cinPerGroup; icl++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        float acc = 0f;
                        for (int img = 0; img < s.batch(); img++) {
                            for (int y = 0; y < oh; y++) {
                                int iy = y * s.strideH() - s.padH() + ky * s.dilationH();
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int x = 0; x < ow; x++) {
                                    int ix = x * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    float in = input[((img * cin + firstIn + icl) * h + iy) * w + ix];
                                    acc += gradOutput[((img * cout + oc) * oh + y) * ow + x] * in;
                                }
                            }
                        }
                        gradWeight[((oc * cinPerGroup + icl) * kh + ky) * kw + kx] += acc;
                    }
                }
            }
            if (gradBias != null) {
                float acc = 0f;
                for (int img = 0; img < s.batch(); img++) {
                    int off = (img * cout + oc) * oh * ow;
                    for (int i = 0; i < oh * ow; i++) {
                        acc += gradOutput[off + i];
                    }
                }
                gradBias[oc] += acc;
            }
        });
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("add a", a, aOff, n);
        Checks.range("add b", b, bOff, n);
        Checks.range("add out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("mul a", a, aOff, n);
        Checks.range("mul b", b, bOff, n);
        Checks.range("mul out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void scaleShift(float[] x, int xOff, float scale, float shift, float[] out, int outOff, int n) {
        Checks.range("scaleShift x", x, xOff, n);
        Checks.range("scaleShift out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale + shift;
        }
    }

    @Override
    public void clamp(float[] x, int xOff, float lo, float hi, float[] out, int outOff, int n) {
        Checks.range("clamp x", x, xOff, n);
        Checks.range("clamp out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }

    @Override
    public void reluBackward(float[] y, int yOff, float[] dy, int dyOff, float[] out, int outOff, int n) {
        Checks.range("reluBackward y", y, yOff, n);
        Checks.range("reluBackward dy", dy, dyOff, n);
        Checks.range("reluBackward out", out, outOff, n);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = y[yOff + i] > 0f ? dy[dyOff + i] : 0f;
        }
    }

    @Override
    public float sum(float[] x, int off, int n) {
        Checks.range("sum x", x, off, n);
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += x[off + i];
        }
        return acc;
    }

    @Override
    public String toString() {
        return name();
    }
}
