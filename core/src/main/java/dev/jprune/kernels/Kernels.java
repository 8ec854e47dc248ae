package dev.jprune.kernels;

import dev.jprune.kernels.internal.KernelLoader;

/**
 * The hot loops of the engine: matrix multiplication, convolution and a few element-wise primitives.
 *
 * <p>Two implementations exist: a scalar reference ({@link #scalar()}) and one built on
 * {@code jdk.incubator.vector}, loaded reflectively only when that module is present. {@link #get()}
 * returns the fastest one available. Both produce results that do not depend on the number of threads:
 * work is split into fixed-size blocks and every output element is accumulated in a fixed order.
 *
 * <p>All arrays are row-major {@code float[]} with explicit offsets; nothing is copied or retained.
 */
public interface Kernels {

    /** A short name for logs and benchmarks, for example {@code "scalar"} or {@code "vector-512"}. */
    String name();

    /**
     * General matrix multiply {@code C = op(A) · op(B) + beta · C} (single precision, alpha = 1).
     *
     * <p>{@code op(A)} is {@code (m, k)}: {@code A} itself stored row-major with leading dimension
     * {@code lda} when {@code transA} is false, or the transpose of a row-major {@code (k, m)} matrix
     * otherwise. Likewise {@code op(B)} is {@code (k, n)}. {@code C} is {@code (m, n)} row-major with
     * leading dimension {@code ldc}. {@code beta} must be 0 (C is overwritten, its old contents ignored,
     * even NaN) or 1 (accumulate).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /**
     * 2-D convolution forward, {@code (N, Cin, H, W) → (N, Cout, OH, OW)}, cross-correlation as in
     * PyTorch, zero padding, any stride, dilation and group count.
     *
     * @param input  {@code (N, Cin, H, W)} starting at offset 0
     * @param weight {@code (Cout, Cin / groups, KH, KW)}
     * @param bias   {@code (Cout)} or {@code null}
     * @param output {@code (N, Cout, OH, OW)}, overwritten
     */
    void conv2d(Conv2dSpec spec, float[] input, float[] weight, float[] bias, float[] output);

    /**
     * The gradient of {@link #conv2d} with respect to its input: {@code gradInput} {@code (N, Cin, H, W)} is
     * overwritten with the correlation of {@code gradOutput} {@code (N, Cout, OH, OW)} with the weights.
     */
    void conv2dBackwardInput(Conv2dSpec spec, float[] gradOutput, float[] weight, float[] gradInput);

    /**
     * The gradient of {@link #conv2d} with respect to its weights, <em>added</em> to {@code gradWeight}
     * {@code (Cout, Cin/groups, KH, KW)}, images accumulated in order; {@code gradBias} {@code (Cout)}, when not
     * null, gets the sum of {@code gradOutput} over batch and positions added.
     */
    void conv2dBackwardWeight(Conv2dSpec spec, float[] input, float[] gradOutput, float[] gradWeight,
                              float[] gradBias);

    /** {@code out[i] = a[i] + b[i]} for {@code i < n}. {@code out} may alias {@code a} or {@code b}. */
    void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    /** {@code out[i] = a[i] * b[i]} for {@code i < n}. {@code out} may alias {@code a} or {@code b}. */
    void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    /** {@code out[i] = x[i] * scale + shift} for {@code i < n}. {@code out} may alias {@code x}. */
    void scaleShift(float[] x, int xOff, float scale, float shift, float[] out, int outOff, int n);

    /** {@code out[i] = min(max(x[i], lo), hi)} for {@code i < n} (ReLU is lo = 0, hi = +inf). */
    void clamp(float[] x, int xOff, float lo, float hi, float[] out, int outOff, int n);

    /**
     * ReLU's backward: {@code out[i] = y[i] > 0 ? dy[i] : 0} for {@code i < n}, where {@code y} is the forward output
     * (PyTorch's threshold_backward at 0; NaN in {@code y} gives 0). {@code out} may alias {@code dy}.
     */
    void reluBackward(float[] y, int yOff, float[] dy, int dyOff, float[] out, int outOff, int n);

    /** The sum of {@code x[off .. off + n)}, accumulated in a fixed order that does not depend on threads. */
    float sum(float[] x, int off, int n);

    /** The fastest implementation available in this JVM (vector when {@code jdk.incubator.vector} is present). */
    static Kernels get() {
        return KernelLoader.best();
    }

    /** The scalar reference implementation; always available. */
    static Kernels scalar() {
        return KernelLoader.scalar();
    }
}
