package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;

import java.util.Arrays;

/**
 * im2col and its adjoint col2im for one (image, group) of a convolution: the lowering that turns convolution and its
 * gradients into matrix products. The column matrix is {@code (Cin/groups · KH · KW, OH · OW)} row-major; padded
 * positions read as zero (im2col) and are dropped (col2im). Each kernel tap works out once which output columns see
 * the inside of the image, so the inner loops carry no bounds tests (and copy whole rows when the stride is 1).
 */
public final class ConvLowering {

    private ConvLowering() {
    }

    /**
     * Fills {@code col} from {@code cinG} channels of the image starting at {@code inOff}: row
     * {@code (ic·KH + ky)·KW + kx} holds the input pixel each output position sees through that kernel tap
     * (zero where it falls in the padding).
     */
    public static void im2col(Conv2dSpec s, float[] input, int inOff, int cinG, float[] col) {
        int h = s.height();
        int w = s.width();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int sh = s.strideH();
        int sw = s.strideW();
        int row = 0;
        for (int ic = 0; ic < cinG; ic++) {
            int plane = inOff + ic * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int dst = row * oh * ow;
                    int dx = kx * s.dilationW() - s.padW();
                    int xlo = firstInside(dx, sw);
                    int xhi = Math.max(xlo, Math.min(ow, lastInside(dx, sw, w) + 1));
                    for (int y = 0; y < oh; y++, dst += ow) {
                        int iy = y * sh - s.padH() + ky * s.dilationH();
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = plane + iy * w + dx;
                        Arrays.fill(col, dst, dst + xlo, 0f);
                        if (sw == 1) {
                            System.arraycopy(input, src + xlo, col, dst + xlo, xhi - xlo);
                        } else {
                            for (int x = xlo; x < xhi; x++) {
                                col[dst + x] = input[src + x * sw];
                            }
                        }
                        Arrays.fill(col, dst + xhi, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /** Adds the column matrix back onto the image gradient starting at {@code gradOff} (the adjoint of im2col). */
    public static void col2imAdd(Conv2dSpec s, float[] col, int cinG, float[] grad, int gradOff) {
        int h = s.height();
        int w = s.width();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int sh = s.strideH();
        int sw = s.strideW();
        int row = 0;
        for (int ic = 0; ic < cinG; ic++) {
            int plane = gradOff + ic * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, row++) {
                    int src = row * oh * ow;
                    int dx = kx * s.dilationW() - s.padW();
                    int xlo = firstInside(dx, sw);
                    int xhi = Math.min(ow, lastInside(dx, sw, w) + 1);
                    for (int y = 0; y < oh; y++, src += ow) {
                        int iy = y * sh - s.padH() + ky * s.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int dst = plane + iy * w + dx;
                        for (int x = xlo; x < xhi; x++) {
                            grad[dst + x * sw] += col[src + x];
                        }
                    }
                }
            }
        }
    }

    /** The first output position {@code x >= 0} whose input column {@code x·stride + dx} is {@code >= 0}. */
    static int firstInside(int dx, int stride) {
        return dx >= 0 ? 0 : (-dx + stride - 1) / stride;
    }

    /** The last output position whose input column {@code x·stride + dx} is {@code < size} (may be negative). */
    static int lastInside(int dx, int stride, int size) {
        return Math.floorDiv(size - 1 - dx, stride);
    }
}
