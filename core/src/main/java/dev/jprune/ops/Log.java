package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code torch.log} (ONNX {@code Log}): natural logarithm element-wise, any shape; {@code -inf} at 0, NaN below 0.
 * Evaluated in double and rounded once.
 */
public record Log() implements Op {

    @Override
    public String type() {
        return "Log";
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
                out[i] = (float) Math.log(in[i]);
            }
        })};
    }

    @Override
    public String describe() {
        return "Log()";
    }
}
