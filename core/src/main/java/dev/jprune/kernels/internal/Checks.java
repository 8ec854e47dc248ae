package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;

/** Argument checks shared by the kernel implementations, so both reject bad calls with the same message. */
final class Checks {

    private Checks() {
    }

    /** Checks the arguments of {@code Kernels.gemm}. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        if (beta != 0f && beta != 1f) {
            throw new IllegalArgumentException("gemm beta must be 0 or 1, got " + beta);
        }
        // op(A) is (m, k): stored (m, k) or, transposed, (k, m).
        matrix("A", a, aOff, transA ? k : m, transA ? m : k, lda, m > 0 && n > 0 && k > 0);
        matrix("B", b, bOff, transB ? n : k, transB ? k : n, ldb, m > 0 && n > 0 && k > 0);
        matrix("C", c, cOff, m, n, ldc, m > 0 && n > 0);
    }

    /** Checks that a row-major {@code (rows, cols)} matrix with leading dimension {@code ld} fits its array. */
    static void matrix(String name, float[] x, int off, int rows, int cols, int ld, boolean used) {
        if (x == null) {
            throw new IllegalArgumentException("gemm matrix " + name + " is null");
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm leading dimension of " + name + " must be >= " + Math.max(1, cols)
                    + " (its stored column count), got " + ld);
        }
        if (off < 0) {
            throw new IllegalArgumentException("gemm offset of " + name + " must be >= 0, got " + off);
        }
        if (used) {
            long last = off + (long) (rows - 1) * ld + cols;
            if (last > x.length) {
                throw new IllegalArgumentException("gemm matrix " + name + " (" + rows + ", " + cols + ") with offset " + off
                        + " and leading dimension " + ld + " needs " + last + " floats, array has " + x.length);
            }
        }
    }

    /** Checks the arrays of {@code Kernels.conv2d} against the geometry. */
    static void conv2d(Conv2dSpec s, float[] input, float[] weight, float[] bias, float[] output) {
        if (s == null) {
            throw new IllegalArgumentException("conv2d spec is null");
        }
        long in = (long) s.batch() * s.inChannels() * s.height() * s.width();
        long w = (long) s.outChannels() * (s.inChannels() / s.groups()) * s.kernelH() * s.kernelW();
        long out = (long) s.batch() * s.outChannels() * s.outH() * s.outW();
        length("conv2d input (N, Cin, H, W)", input, in);
        length("conv2d weight (Cout, Cin/groups, KH, KW)", weight, w);
        length("conv2d output (N, Cout, OH, OW)", output, out);
        if (bias != null) {
            length("conv2d bias (Cout)", bias, s.outChannels());
        }
    }

    /**
     * Checks the arrays of the convolution gradients: {@code image} is the input or its gradient
     * {@code (N, Cin, H, W)}, {@code weight} the weights or their gradient, {@code gradBias} may be null.
     */
    static void conv2dGradient(String op, Conv2dSpec s, float[] image, float[] weight, float[] gradOutput,
                               float[] gradBias) {
        if (s == null) {
            throw new IllegalArgumentException(op + " spec is null");
        }
        long in = (long) s.batch() * s.inChannels() * s.height() * s.width();
        long w = (long) s.outChannels() * (s.inChannels() / s.groups()) * s.kernelH() * s.kernelW();
        long out = (long) s.batch() * s.outChannels() * s.outH() * s.outW();
        length(op + " input (N, Cin, H, W)", image, in);
        length(op + " weight (Cout, Cin/groups, KH, KW)", weight, w);
        length(op + " gradOutput (N, Cout, OH, OW)", gradOutput, out);
        if (gradBias != null) {
            length(op + " gradBias (Cout)", gradBias, s.outChannels());
        }
    }

    /** Checks one operand of an element-wise kernel. */
    static void range(String what, float[] x, int off, int n) {
        if (x == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (n < 0 || off < 0 || (long) off + n > x.length) {
            throw new IllegalArgumentException(what + ": range [" + off + ", " + ((long) off + n) + ") with n=" + n
                    + " does not fit an array of length " + x.length);
        }
    }

    private static void length(String what, float[] x, long needed) {
        if (x == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (x.length < needed) {
            throw new IllegalArgumentException(what + " needs at least " + needed + " floats, got " + x.length);
        }
    }
}
