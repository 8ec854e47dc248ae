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
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.Hardsigmoid}: {@code min(max(x + 3, 0), 6) / 6} element-wise, any shape, in float as PyTorch's CPU
 * kernel: 0 for {@code x <= -3}, 1 for {@code x >= 3}. Torch-Pruning does not count it.
 */
public record Hardsigmoid() implements Op {

    @Override
    public String type() {
        return "Hardsigmoid";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = Math.min(Math.max(in[i] + 3f, 0f), 6f) / 6f;
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code hardsigmoid_backward}: {@code dy · (1/6)} strictly inside {@code (−3, 3)}, 0 elsewhere —
     * including exactly at ±3, and at NaN.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                d[i] = x[i] > -3f && x[i] < 3f ? g[i] * (1f / 6f) : 0f;
            }
        })};
    }

    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Hardsigmoid()";
    }
}
