package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
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
    public String describe() {
        return "SiLU()";
    }
}
