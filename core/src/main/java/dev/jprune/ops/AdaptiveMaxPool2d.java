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
 * {@code nn.AdaptiveMaxPool2d}: {@code (N, C, H, W) → (N, C, outH, outW)}, the maximum of each window (a NaN in a window makes its output NaN, as in PyTorch). Window {@code i} of an
 * axis of length {@code in} covers {@code [floor(i·in/out), ceil((i+1)·in/out))}, as PyTorch, so windows may overlap
 * and differ in size when {@code out} does not divide {@code in}.
 */
public record AdaptiveMaxPool2d(int outH, int outW) implements Op {

    /** Validates the output size. */
    public AdaptiveMaxPool2d {
        PoolSupport.requireOutputSize("AdaptiveMaxPool2d", outH, outW);
    }

    /** A square output {@code (size, size)}. */
    public static AdaptiveMaxPool2d of(int size) {
        return new AdaptiveMaxPool2d(size, size);
    }

    @Override
    public String type() {
        return "AdaptiveMaxPool2d";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return PoolSupport.adaptiveShape(this, inputs, outH, outW);
    }

    /** A new tensor {@code (N, C, outH, outW)}; when recording, stashes each output's arg-max for the backward. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        return PoolSupport.maxPool(x, PoolSupport.adaptive(x.dim(2), outH), PoolSupport.adaptive(x.dim(3), outW), ctx);
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Each output gradient is added to its window's arg-max (first maximum in scan order, or the last NaN). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return PoolSupport.maxPoolBackward(node, ctx);
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

    /** {@code AdaptiveMaxPool2d(output_size=(1, 1))}. */
    @Override
    public String describe() {
        return "AdaptiveMaxPool2d(output_size=" + ModuleRepr.tuple(outH, outW) + ")";
    }
}
