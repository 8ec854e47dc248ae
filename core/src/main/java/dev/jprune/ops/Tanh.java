package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/** {@code nn.Tanh}: {@code tanh(x)} element-wise, any shape, evaluated in double and rounded once. Not counted. */
public record Tanh() implements Op {

    @Override
    public String type() {
        return "Tanh";
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
                out[i] = (float) Math.tanh(in[i]);
            }
        })};
    }

    @Override
    public String describe() {
        return "Tanh()";
    }
}
