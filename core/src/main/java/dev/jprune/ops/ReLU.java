package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
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

    /** Torch-Pruning: {@code numel(output)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    @Override
    public String describe() {
        return "ReLU()";
    }
}
