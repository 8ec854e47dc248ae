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
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/** {@code nn.ReLU}: {@code max(x, 0)} element-wise, any shape. */
public record ReLU() implements Op {

    @Override
    public String type() {
        return "ReLU";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        return new Shape[] {inputs[0]};
    }

    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Tensor out = Tensor.zeros(x.shape());
        ctx.kernels().clamp(x.data(), 0, 0f, Float.POSITIVE_INFINITY, out.data(), 0, x.numel());
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.OUTPUTS;
    }

    /** {@code dx = dy} where the output is positive, else 0 (PyTorch's threshold_backward). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor y = ctx.output(0);
        Tensor dx = Tensor.zeros(y.shape());
        ctx.kernels().reluBackward(y.data(), 0, ctx.gradOutput(0).data(), 0, dx.data(), 0, y.numel());
        return new Tensor[] {dx};
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
        return "ReLU()";
    }
}
