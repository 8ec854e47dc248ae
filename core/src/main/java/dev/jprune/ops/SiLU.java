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
 * {@code nn.SiLU} (swish): {@code x · sigmoid(x)} element-wise, any shape. Evaluated in double and rounded once, so
 * it can differ from PyTorch's float evaluation by an ulp. Torch-Pruning does not count it.
 */
public record SiLU() implements Op {

    @Override
    public String type() {
        return "SiLU";
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
                double x = in[i];
                out[i] = (float) (x / (1.0 + Math.exp(-x)));
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** {@code dx = dy · s · (1 + x · (1 − s))} with {@code s = sigmoid(x)}, as PyTorch's {@code silu_backward}. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                double v = x[i];
                double s = 1.0 / (1.0 + Math.exp(-v));
                d[i] = (float) (g[i] * s * (1.0 + v * (1.0 - s)));
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
        return "SiLU()";
    }
}
