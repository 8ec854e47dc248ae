package dev.jprune.ops.internal;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.Shapes;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * What the 2-D pooling ops share: output-size arithmetic following PyTorch's rules, the windows along one axis
 * ({@link Axis}), and the max and average window loops, forward and backward. A window is the product of a row
 * window and a column window, each clipped to the input and scanned in increasing index order. Planes
 * {@code (n, c)} are independent: work is split over fixed groups of planes, and a backward writes only its own
 * plane, so results do not depend on the thread count.
 */
public final class PoolSupport {

    private PoolSupport() {
    }

    /**
     * The windows along one axis: output {@code o} reads the {@code count(o)} input indices {@code start(o)},
     * {@code start(o) + step}, … (already clipped to the input), and {@code extent(o)} is the length an average
     * counting padding divides by.
     */
    public static final class Axis {
        private final int[] start;
        private final int[] count;
        private final int[] extent;
        private final int step;

        private Axis(int out, int step) {
            this.start = new int[out];
            this.count = new int[out];
            this.extent = new int[out];
            this.step = step;
        }

        /** The number of outputs along the axis. */
        public int size() {
            return start.length;
        }

        /** The first input index of window {@code o}. */
        public int start(int o) {
            return start[o];
        }

        /** The number of input indices in window {@code o} (0 when it lies wholly in padding). */
        public int count(int o) {
            return count[o];
        }

        /** The window's length clipped to the padded input {@code [−pad, in + pad)} (count_include_pad). */
        public int extent(int o) {
            return extent[o];
        }

        /** The input reads of all windows together: the sum of the counts. */
        public long reads() {
            long r = 0;
            for (int c : count) {
                r += c;
            }
            return r;
        }

        /** The distance between the window's input indices (the dilation). */
        public int step() {
            return step;
        }
    }

    /**
     * Strided windows: output {@code o} covers {@code o·stride − pad + k·dilation} for {@code k < kernel}, of which
     * those inside {@code [0, in)} are read; the extent is {@code min(o·stride − pad + kernel, in + pad)} minus the
     * window's start (as PyTorch's average pooling; meaningful for dilation 1).
     */
    public static Axis strided(int in, int out, int kernel, int stride, int pad, int dilation) {
        Axis a = new Axis(out, dilation);
        for (int o = 0; o < out; o++) {
            int s = o * stride - pad;
            int kLo = s < 0 ? (-s + dilation - 1) / dilation : 0;
            int kHi = s >= in ? 0 : Math.min(kernel, (in - 1 - s) / dilation + 1);
            a.start[o] = s + kLo * dilation;
            a.count[o] = Math.max(0, kHi - kLo);
            a.extent[o] = Math.min(s + kernel, in + pad) - s;
        }
        return a;
    }

    /** Adaptive windows {@code [floor(o·in/out), ceil((o+1)·in/out))}; the extent is the window's length. */
    public static Axis adaptive(int in, int out) {
        Axis a = new Axis(out, 1);
        for (int o = 0; o < out; o++) {
            a.start[o] = adaptiveStart(o, in, out);
            a.count[o] = adaptiveEnd(o, in, out) - a.start[o];
            a.extent[o] = a.count[o];
        }
        return a;
    }

    /**
     * The forward of a max pool over {@code x (N, C, H, W)} into a new tensor {@code (N, C, rows, cols)}; when the
     * context records, stashes each output's arg-max for {@link #maxPoolBackward}.
     */
    public static Tensor[] maxPool(Tensor x, Axis rows, Axis cols, ForwardContext ctx) {
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), rows.size(), cols.size());
        int[] argmax = ctx.recording() ? new int[y.numel()] : null;
        maxForward(x.data(), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), rows, cols, y.data(), argmax);
        ctx.stash(argmax);
        return new Tensor[] {y};
    }

    /** The backward of {@link #maxPool}: each output gradient added to its stashed arg-max. */
    public static Tensor[] maxPoolBackward(Node node, BackwardContext ctx) {
        Shape in = node.input(0).shape();
        Tensor dy = ctx.gradOutput(0);
        Tensor dx = Tensor.zeros(in);
        maxBackward(dy.data(), (int[]) ctx.stash(), in.dim(0) * in.dim(1), in.dim(2) * in.dim(3), dy.dim(2) * dy.dim(3),
                dx.data());
        return new Tensor[] {dx};
    }

    /** The forward of an average pool over {@code x (N, C, H, W)} into a new tensor (see {@link #avgForward}). */
    public static Tensor[] avgPool(Tensor x, Axis rows, Axis cols, boolean includeExtent, Integer divisorOverride) {
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), rows.size(), cols.size());
        avgForward(x.data(), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), rows, cols, includeExtent, divisorOverride, y.data());
        return new Tensor[] {y};
    }

    /** The backward of {@link #avgPool} with the same windows and divisors. */
    public static Tensor[] avgPoolBackward(Node node, BackwardContext ctx, Axis rows, Axis cols, boolean includeExtent,
                                           Integer divisorOverride) {
        Shape in = node.input(0).shape();
        Tensor dx = Tensor.zeros(in);
        avgBackward(ctx.gradOutput(0).data(), in.dim(0) * in.dim(1), in.dim(2), in.dim(3), rows, cols, includeExtent,
                divisorOverride, dx.data());
        return new Tensor[] {dx};
    }

    /**
     * Max pooling of {@code planes} planes {@code (h, w)} into {@code out}: the first maximum in scan order wins, a
     * NaN wins over everything (the last NaN), as PyTorch's kernels; an empty window gives {@code -inf}. When
     * {@code argmax} is not null it receives each output's winning index within its input plane (or, for a window
     * holding only {@code -inf}, its first element; −1 for an empty window).
     */
    public static void maxForward(float[] in, int planes, int h, int w, Axis rows, Axis cols, float[] out, int[] argmax) {
        int oh = rows.size();
        int ow = cols.size();
        ElementwiseSupport.forItems(planes, planeCost(rows, cols), plane -> {
            int inBase = plane * h * w;
            int outBase = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                int rs = rows.start(i);
                int rc = rows.count(i);
                for (int j = 0; j < ow; j++) {
                    int cs = cols.start(j);
                    int cc = cols.count(j);
                    float max = Float.NEGATIVE_INFINITY;
                    int best = rc > 0 && cc > 0 ? rs * w + cs : -1;
                    for (int r = 0, ih = rs; r < rc; r++, ih += rows.step()) {
                        for (int c = 0, iw = cs; c < cc; c++, iw += cols.step()) {
                            float v = in[inBase + ih * w + iw];
                            if (v > max || Float.isNaN(v)) {
                                max = v;
                                best = ih * w + iw;
                            }
                        }
                    }
                    out[outBase + i * ow + j] = max;
                    if (argmax != null) {
                        argmax[outBase + i * ow + j] = best;
                    }
                }
            }
        });
    }

    /** Max pooling's backward: each output gradient goes to its arg-max in the input plane ({@code dx} zeroed). */
    public static void maxBackward(float[] dy, int[] argmax, int planes, int planeIn, int planeOut, float[] dx) {
        ElementwiseSupport.forItems(planes, planeOut, plane -> {
            int inBase = plane * planeIn;
            for (int o = plane * planeOut, end = o + planeOut; o < end; o++) {
                if (argmax[o] >= 0) {
                    dx[inBase + argmax[o]] += dy[o];
                }
            }
        });
    }

    /**
     * Average pooling into {@code out}: each window summed in double and divided by {@code divisorOverride} when
     * not null, else by the product of the two axes' extents ({@code includeExtent}) or counts; an empty window
     * gives 0.
     */
    public static void avgForward(float[] in, int planes, int h, int w, Axis rows, Axis cols, boolean includeExtent,
                                  Integer divisorOverride, float[] out) {
        avgWindows(in, out, false, planes, h, w, rows, cols, includeExtent, divisorOverride);
    }

    /** Average pooling's backward: {@code dy / divisor} added to every input of the window ({@code dx} zeroed). */
    public static void avgBackward(float[] dy, int planes, int h, int w, Axis rows, Axis cols, boolean includeExtent,
                                   Integer divisorOverride, float[] dx) {
        avgWindows(dy, dx, true, planes, h, w, rows, cols, includeExtent, divisorOverride);
    }

    /** The average-pool window loop: gathers {@code src} windows into {@code dst}, or scatters when {@code back}. */
    private static void avgWindows(float[] src, float[] dst, boolean back, int planes, int h, int w, Axis rows,
                                   Axis cols, boolean includeExtent, Integer divisorOverride) {
        int oh = rows.size();
        int ow = cols.size();
        ElementwiseSupport.forItems(planes, planeCost(rows, cols), plane -> {
            int inBase = plane * h * w;
            int outBase = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                int rs = rows.start(i);
                int re = rs + rows.count(i);
                for (int j = 0; j < ow; j++) {
                    int cs = cols.start(j);
                    int ce = cs + cols.count(j);
                    int o = outBase + i * ow + j;
                    if (rs >= re || cs >= ce) {
                        if (!back) {
                            dst[o] = 0f;
                        }
                        continue;
                    }
                    int divisor = divisor(rows, cols, i, j, includeExtent, divisorOverride);
                    if (back) {
                        float g = (float) (src[o] / (double) divisor);
                        for (int ih = rs; ih < re; ih++) {
                            for (int iw = inBase + ih * w + cs, end = iw + ce - cs; iw < end; iw++) {
                                dst[iw] += g;
                            }
                        }
                        continue;
                    }
                    double sum = 0;
                    for (int ih = rs; ih < re; ih++) {
                        for (int iw = inBase + ih * w + cs, end = iw + ce - cs; iw < end; iw++) {
                            sum += src[iw];
                        }
                    }
                    dst[o] = (float) (sum / divisor);
                }
            }
        });
    }

    /** The work of one plane in elements read: every window's reads (at least 1). */
    private static int planeCost(Axis rows, Axis cols) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, rows.reads() * cols.reads()));
    }

    private static int divisor(Axis rows, Axis cols, int i, int j, boolean includeExtent, Integer divisorOverride) {
        if (divisorOverride != null) {
            return divisorOverride;
        }
        return includeExtent ? rows.extent(i) * cols.extent(j) : rows.count(i) * cols.count(j);
    }

    /** Throws unless padding is non-negative and at most half the kernel, as PyTorch requires; names the op. */
    public static void requirePadding(String type, int padH, int padW, int kernelH, int kernelW) {
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException(type + ": padding (" + padH + ", " + padW
                    + ") must be non-negative and at most half the kernel size (" + kernelH + ", " + kernelW + ")");
        }
    }

    /** Throws unless an adaptive pool's output size is positive; names the op. */
    public static void requireOutputSize(String type, int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException(type + ": output_size must be positive, got (" + outH + ", " + outW + ")");
        }
    }

    /**
     * The output shape {@code (N, C, OH, OW)} of a strided pool on its one input {@code (N, C, H, W)}; throws naming
     * {@code op} when the input is not 4-D or too small.
     */
    public static Shape[] stridedShape(Op op, Shape[] inputs, int kernelH, int kernelW, int strideH, int strideW,
                                       int padH, int padW, int dilationH, int dilationW, boolean ceilMode) {
        Shapes.requireCount(op, inputs, 1);
        Shape in = inputs[0];
        Shapes.requireRank(op, in, 4, "(N, C, H, W)");
        int oh = outputSize(in.dim(2), kernelH, strideH, padH, dilationH, ceilMode);
        int ow = outputSize(in.dim(3), kernelW, strideW, padW, dilationW, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(op.type() + ": input (N, C, H, W) = " + in + " is too small for "
                    + op.describe() + ": the output would be " + oh + "x" + ow);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1), oh, ow)};
    }

    /** The output shape {@code (N, C, outH, outW)} of an adaptive pool; throws naming {@code op} on a bad input. */
    public static Shape[] adaptiveShape(Op op, Shape[] inputs, int outH, int outW) {
        Shapes.requireCount(op, inputs, 1);
        Shape in = inputs[0];
        Shapes.requireRank(op, in, 4, "(N, C, H, W)");
        if (in.dim(2) < 1 || in.dim(3) < 1) {
            throw new IllegalArgumentException(op.type() + " expects an input (N, C, H, W) with H, W >= 1, got " + in);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1), outH, outW)};
    }

    /**
     * The pooled length of one spatial dimension, as PyTorch's {@code pooling_output_shape}:
     * {@code floor((in + 2·pad − dilation·(kernel − 1) − 1 [+ stride − 1 in ceil mode]) / stride) + 1}; in ceil mode
     * the last window must start inside the input or the left padding, so one is dropped when
     * {@code (out − 1)·stride >= in + pad}. May be zero or negative when the input is too small (callers reject it).
     */
    public static int outputSize(int in, int kernel, int stride, int pad, int dilation, boolean ceilMode) {
        long span = (long) in + 2L * pad - (long) dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(span, stride) + 1;
        if (ceilMode && (out - 1) * stride >= (long) in + pad) {
            out--;
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, out));
    }

    /** The first input index of adaptive window {@code i}: {@code floor(i · in / out)}. */
    public static int adaptiveStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    /** One past the last input index of adaptive window {@code i}: {@code ceil((i + 1) · in / out)}. */
    public static int adaptiveEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }
}
