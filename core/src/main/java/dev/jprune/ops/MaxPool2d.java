package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.PoolSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.MaxPool2d}: {@code (N, C, H, W) → (N, C, OH, OW)}, the maximum over each (dilated) window. Padding
 * counts as {@code -inf}, so it never wins; a NaN in a window makes its output NaN, as in PyTorch. Output sizes
 * follow PyTorch, including {@code ceil_mode} (the last window must start inside the input or the left padding).
 * The gradient goes to each window's arg-max as in PyTorch: the first maximum in scan order (row by row), or the
 * last NaN.
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
        PoolSupport.requirePadding("MaxPool2d", padH, padW, kernelH, kernelW);
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
        return PoolSupport.stridedShape(this, inputs, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW,
                ceilMode);
    }

    /** A new tensor {@code (N, C, OH, OW)}; when recording, stashes each output's arg-max for the backward. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape out = inferShapes(new Shape[] {x.shape()})[0];
        return PoolSupport.maxPool(x, PoolSupport.strided(x.dim(2), out.dim(2), kernelH, strideH, padH, dilationH),
                PoolSupport.strided(x.dim(3), out.dim(3), kernelW, strideW, padW, dilationW), ctx);
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Each output gradient is added to its window's arg-max (PyTorch's {@code max_pool2d_with_indices_backward}). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return PoolSupport.maxPoolBackward(node, ctx);
    }

    /** Torch-Pruning: {@code numel(input)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong();
    }

    /** Identity on the batch and channel axes; the pooled axes cannot lose indices. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "pooled axes cannot be pruned", 0, 1);
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "MaxPool2d(kernel_size=" + ModuleRepr.pair(kernelH, kernelW) + ", stride=" + ModuleRepr.pair(strideH, strideW)
                + ", padding=" + ModuleRepr.pair(padH, padW) + ", dilation=" + ModuleRepr.pair(dilationH, dilationW)
                + ", ceil_mode=" + ModuleRepr.pyBool(ceilMode) + ")";
    }
}
