package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/** {@code nn.ReLU6}: {@code min(max(x, 0), 6)} element-wise, any shape; NaN stays NaN. */
public record ReLU6() implements Op {

    @Override
    public String type() {
        return "ReLU6";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Kernels k = ctx.kernels();
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) ->
                k.clamp(in, from, 0f, 6f, out, from, to - from))};
    }

    /** Torch-Pruning: {@code numel(output)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    @Override
    public String describe() {
        return "ReLU6()";
    }
}
