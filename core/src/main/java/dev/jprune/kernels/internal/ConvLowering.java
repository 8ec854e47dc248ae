package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;

/**
 * im2col and its adjoint col2im for one (image, group) of a convolution: the lowering that turns convolution and its
 * gradients into matrix products. The column matrix is {@code (Cin/groups · KH · KW, OH · OW)} row-major; padded
 * positions read as zero (im2col) and are dropped (col2im).
 */
public final class ConvLowering {

    private ConvLowering() {
    }

    /** Fills {@code col} from channels {@code [c0, c0 + cinG)} of the image starting at {@code inOff}. */
    public static void im2col(Conv2dSpec s, float[] input, int inOff, int cinG, float[] col) {
        int h = s.height();
        int w = s.width();
        int oh = s.outH();
        int ow = s.outW();
        int p = oh * ow;
        int row = 0;
        for (int c = 0; c < cinG; c++) {
            int plane = inOff + c * h * w;
            for (int ky = 0; ky < s.kernelH(); ky++) {
                for (int kx = 0; kx < s.kernelW(); kx++, row++) {
                    int base = row * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                        int dst = base + oy * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = plane + iy * w;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                            col[dst + ox] = ix < 0 || ix >= w ? 0f : input[src + ix];
                        }
                    }
                }
            }
        }
    }

    /** Adds the column matrix back onto the image gradient starting at {@code gradOff} (the adjoint of im2col). */
    public static void col2imAdd(Conv2dSpec s, float[] col, int cinG, float[] grad, int gradOff) {
        int h = s.height();
        int w = s.width();
        int oh = s.outH();
        int ow = s.outW();
        int p = oh * ow;
        int row = 0;
        for (int c = 0; c < cinG; c++) {
            int plane = gradOff + c * h * w;
            for (int ky = 0; ky < s.kernelH(); ky++) {
                for (int kx = 0; kx < s.kernelW(); kx++, row++) {
                    int base = row * p;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int dst = plane + iy * w;
                        int src = base + oy * ow;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                            if (ix >= 0 && ix < w) {
                                grad[dst + ix] += col[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
