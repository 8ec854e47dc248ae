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
 * {@code nn.AvgPool2d}: {@code (N, C, H, W) → (N, C, OH, OW)}, the mean over each window (summed in double, divided,
 * rounded once). Output sizes follow PyTorch, including {@code ceil_mode}. The divisor follows PyTorch's CPU kernel
 * exactly: the window is first clipped to the padded input {@code [−pad, in + pad)} (a window that ceil mode lets run
 * past the padding is shorter); with {@code countIncludePad} the divisor is that clipped window's area, otherwise the
 * area of its part inside the input; {@code divisorOverride} (nullable), when set, replaces both. The backward
 * spreads each output gradient divided by the same divisor over the window's inputs.
 */
public record AvgPool2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode,
                        boolean countIncludePad, Integer divisorOverride) implements Op {

    /** Validates sizes (padding at most half the kernel, as PyTorch requires) and a non-zero divisor override. */
    public AvgPool2d {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("AvgPool2d: kernel and stride must be positive, got kernel ("
                    + kernelH + ", " + kernelW + "), stride (" + strideH + ", " + strideW + ")");
        }
        PoolSupport.requirePadding("AvgPool2d", padH, padW, kernelH, kernelW);
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
        return PoolSupport.stridedShape(this, inputs, kernelH, kernelW, strideH, strideW, padH, padW, 1, 1, ceilMode);
    }

    /** A new tensor {@code (N, C, OH, OW)}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape out = inferShapes(new Shape[] {x.shape()})[0];
        return PoolSupport.avgPool(x, rows(x.shape(), out), cols(x.shape(), out), countIncludePad, divisorOverride);
    }

    private PoolSupport.Axis rows(Shape in, Shape out) {
        return PoolSupport.strided(in.dim(2), out.dim(2), kernelH, strideH, padH, 1);
    }

    private PoolSupport.Axis cols(Shape in, Shape out) {
        return PoolSupport.strided(in.dim(3), out.dim(3), kernelW, strideW, padW, 1);
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Each output gradient divided by its window's divisor is added to every input of the window. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape in = node.input(0).shape();
        Shape out = node.output(0).shape();
        return PoolSupport.avgPoolBackward(node, ctx, rows(in, out), cols(in, out), countIncludePad, divisorOverride);
    }

    /** Torch-Pruning: {@code numel(input)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong();
    }

    /** Channels and batch map to themselves; the pooled axes (2 and 3) cannot be pruned. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "pooled axes cannot be pruned", 0, 1);
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /** As PyTorch's repr: {@code AvgPool2d(kernel_size=2, stride=2, padding=0)}. */
    @Override
    public String describe() {
        return "AvgPool2d(kernel_size=" + ModuleRepr.pair(kernelH, kernelW) + ", stride=" + ModuleRepr.pair(strideH, strideW)
                + ", padding=" + ModuleRepr.pair(padH, padW) + ")";
    }
}
