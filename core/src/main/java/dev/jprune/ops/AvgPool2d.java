package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.PoolSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.AvgPool2d}: {@code (N, C, H, W) → (N, C, OH, OW)}, the mean over each window (summed in double, divided,
 * rounded once). Output sizes follow PyTorch, including {@code ceil_mode}. The divisor follows PyTorch's CPU kernel
 * exactly: the window is first clipped to the padded input {@code [−pad, in + pad)} (a window that ceil mode lets run
 * past the padding is shorter); with {@code countIncludePad} the divisor is that clipped window's area, otherwise the
 * area of its part inside the input; {@code divisorOverride} (nullable), when set, replaces both.
 */
public record AvgPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode,
                        boolean countIncludePad, Integer divisorOverride) implements Op {

    /** Validates sizes (padding at most half the kernel, as PyTorch requires) and a non-zero divisor override. */
    public AvgPool2d {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("AvgPool2d: kernel and stride must be positive, got kernel ("
                    + kernelH + ", " + kernelW + "), stride (" + strideH + ", " + strideW + ")");
        }
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException("AvgPool2d: padding (" + padH + ", " + padW
                    + ") must be non-negative and at most half the kernel size (" + kernelH + ", " + kernelW + ")");
        }
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException("AvgPool2d: divisor_override must be non-zero");
        }
    }

    /** A square pool with PyTorch's defaults: floor mode, padding counted, no divisor override. */
    public static AvgPool2d of(int k, int stride, int padding) {
        return new AvgPool2d(k, k, stride, stride, padding, padding, false, true, null);
    }

    @Override
    public String type() {
        return "AvgPool2d";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        Shapes.requireRank(this, in, 4, "(N, C, H, W)");
        int oh = PoolSupport.outputSize(in.dim(2), kernelH, strideH, padH, 1, ceilMode);
        int ow = PoolSupport.outputSize(in.dim(3), kernelW, strideW, padW, 1, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("AvgPool2d: input (N, C, H, W) = " + in + " is too small for " + describe()
                    + ": the output would be " + oh + "x" + ow);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1), oh, ow)};
    }

    /** A new tensor {@code (N, C, OH, OW)}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape out = inferShapes(new Shape[] {x.shape()})[0];
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = out.dim(2);
        int ow = out.dim(3);
        Tensor y = Tensor.zeros(out);
        float[] in = x.data();
        float[] o = y.data();
        ElementwiseSupport.forItems(x.dim(0) * x.dim(1), oh * ow * kernelH * kernelW, plane -> {
            int inBase = plane * h * w;
            int outBase = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                int h0 = i * strideH - padH;
                int h1 = Math.min(h0 + kernelH, h + padH);
                int hs = Math.max(h0, 0);
                int he = Math.min(h1, h);
                for (int j = 0; j < ow; j++) {
                    int w0 = j * strideW - padW;
                    int w1 = Math.min(w0 + kernelW, w + padW);
                    int ws = Math.max(w0, 0);
                    int we = Math.min(w1, w);
                    if (hs >= he || ws >= we) {
                        o[outBase + i * ow + j] = 0f;
                        continue;
                    }
                    double sum = 0;
                    for (int ih = hs; ih < he; ih++) {
                        int row = inBase + ih * w;
                        for (int iw = ws; iw < we; iw++) {
                            sum += in[row + iw];
                        }
                    }
                    int divisor = divisorOverride != null ? divisorOverride
                            : countIncludePad ? (h1 - h0) * (w1 - w0) : (he - hs) * (we - ws);
                    o[outBase + i * ow + j] = (float) (sum / divisor);
                }
            }
        });
        return new Tensor[] {y};
    }

    /** Torch-Pruning: {@code numel(input)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong();
    }

    /** As PyTorch's repr: {@code AvgPool2d(kernel_size=2, stride=2, padding=0)}. */
    @Override
    public String describe() {
        return "AvgPool2d(kernel_size=" + ModuleRepr.pair(kernelH, kernelW) + ", stride=" + ModuleRepr.pair(strideH, strideW)
                + ", padding=" + ModuleRepr.pair(padH, padW) + ")";
    }
}
