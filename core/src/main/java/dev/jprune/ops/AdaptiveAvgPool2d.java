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
 * {@code nn.AdaptiveAvgPool2d}: {@code (N, C, H, W) → (N, C, outH, outW)}, the mean of each window (summed in double, rounded once). Window {@code i} of an
 * axis of length {@code in} covers {@code [floor(i·in/out), ceil((i+1)·in/out))}, as PyTorch, so windows may overlap
 * and differ in size when {@code out} does not divide {@code in}.
 */
public record AdaptiveAvgPool2d(int outH, int outW) implements Op {

    /** Validates the output size. */
    public AdaptiveAvgPool2d {
        PoolSupport.requireOutputSize("AdaptiveAvgPool2d", outH, outW);
    }

    /** A square output {@code (size, size)}. */
    public static AdaptiveAvgPool2d of(int size) {
        return new AdaptiveAvgPool2d(size, size);
    }

    @Override
    public String type() {
        return "AdaptiveAvgPool2d";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return PoolSupport.adaptiveShape(this, inputs, outH, outW);
    }

    /** A new tensor {@code (N, C, outH, outW)}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        return PoolSupport.avgPool(x, PoolSupport.adaptive(x.dim(2), outH), PoolSupport.adaptive(x.dim(3), outW), false, null);
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Each output gradient divided by its window's area is added to every input of the window. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape in = node.input(0).shape();
        return PoolSupport.avgPoolBackward(node, ctx, PoolSupport.adaptive(in.dim(2), outH),
                PoolSupport.adaptive(in.dim(3), outW), false, null);
    }

    /** Torch-Pruning: {@code numel(input)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong();
    }

    /** {@code AdaptiveAvgPool2d(output_size=(1, 1))}. */
    /** Identity on the batch and channel axes; the pooled axes cannot lose indices. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "pooled axes cannot be pruned", 0, 1);
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(output_size=" + ModuleRepr.tuple(outH, outW) + ")";
    }
}
