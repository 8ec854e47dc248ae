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
 * {@code nn.MaxPool2d}: {@code (N, C, H, W) → (N, C, OH, OW)}, the maximum over each (dilated) window. Padding
 * counts as {@code -inf}, so it never wins; a NaN in a window makes its output NaN, as in PyTorch. Output sizes
 * follow PyTorch, including {@code ceil_mode} (the last window must start inside the input or the left padding).
 */
public record MaxPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                        int dilationH, int dilationW, boolean ceilMode) implements Op {

    /** Validates sizes: positive kernel, stride and dilation; padding at most half the kernel, as PyTorch requires. */
    public MaxPool2d {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("MaxPool2d: kernel, stride and dilation must be positive, got kernel ("
                    + kernelH + ", " + kernelW + "), stride (" + strideH + ", " + strideW + "), dilation ("
                    + dilationH + ", " + dilationW + ")");
        }
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException("MaxPool2d: padding (" + padH + ", " + padW
                    + ") must be non-negative and at most half the kernel size (" + kernelH + ", " + kernelW + ")");
        }
    }

    /** A square pool: kernel {@code k}, {@code stride}, {@code padding}, dilation 1, floor mode. */
    public static MaxPool2d of(int k, int stride, int padding) {
        return new MaxPool2d(k, k, stride, stride, padding, padding, 1, 1, false);
    }

    /** A square pool with the given rounding mode. */
    public static MaxPool2d of(int k, int stride, int padding, boolean ceilMode) {
        return new MaxPool2d(k, k, stride, stride, padding, padding, 1, 1, ceilMode);
    }

    @Override
    public String type() {
        return "MaxPool2d";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        Shapes.requireRank(this, in, 4, "(N, C, H, W)");
        int oh = PoolSupport.outputSize(in.dim(2), kernelH, strideH, padH, dilationH, ceilMode);
        int ow = PoolSupport.outputSize(in.dim(3), kernelW, strideW, padW, dilationW, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("MaxPool2d: input (N, C, H, W) = " + in + " is too small for " + describe()
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
                for (int j = 0; j < ow; j++) {
                    int w0 = j * strideW - padW;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int ki = 0; ki < kernelH; ki++) {
                        int ih = h0 + ki * dilationH;
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int row = inBase + ih * w;
                        for (int kj = 0; kj < kernelW; kj++) {
                            int iw = w0 + kj * dilationW;
                            if (iw >= 0 && iw < w) {
                                float v = in[row + iw];
                                if (v > max || Float.isNaN(v)) {
                                    max = v;
                                }
                            }
                        }
                    }
                    o[outBase + i * ow + j] = max;
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

    @Override
    public String describe() {
        return "MaxPool2d(kernel_size=" + ModuleRepr.pair(kernelH, kernelW) + ", stride=" + ModuleRepr.pair(strideH, strideW)
                + ", padding=" + ModuleRepr.pair(padH, padW) + ", dilation=" + ModuleRepr.pair(dilationH, dilationW)
                + ", ceil_mode=" + ModuleRepr.pyBool(ceilMode) + ")";
    }
}
