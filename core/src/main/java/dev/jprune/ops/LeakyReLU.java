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
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.LeakyReLU}: {@code x} where {@code x > 0}, else {@code negativeSlope · x} (slope rounded to float, as
 * PyTorch does for a float tensor), element-wise, any shape.
 */
public record LeakyReLU(double negativeSlope) implements Op {

    /** Validates that the slope is finite. */
    public LeakyReLU {
        if (!Double.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negative_slope must be finite, got " + negativeSlope);
        }
    }

    /** PyTorch's default slope 0.01. */
    public static LeakyReLU of() {
        return new LeakyReLU(0.01);
    }

    @Override
    public String type() {
        return "LeakyReLU";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        float slope = (float) negativeSlope;
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) -> {
            for (int i = from; i < to; i++) {
                float x = in[i];
                out[i] = x > 0f ? x : x * slope;
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code leaky_relu_backward}: {@code dx = dy} where {@code x > 0}, else {@code dy · slope} (so at
     * exactly 0, and at NaN, the gradient is scaled by the slope).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        float slope = (float) negativeSlope;
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                d[i] = x[i] > 0f ? g[i] : g[i] * slope;
            }
        })};
    }

    /** Torch-Pruning: {@code numel(output)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "LeakyReLU(negative_slope=" + ModuleRepr.pyFloat(negativeSlope) + ")";
    }
}
