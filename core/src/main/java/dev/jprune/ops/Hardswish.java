package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.Hardswish}: {@code x · min(max(x + 3, 0), 6) / 6} element-wise, any shape, in float and in PyTorch's
 * order of operations: 0 for {@code x <= -3}, {@code x} for {@code x >= 3}. Torch-Pruning does not count it.
 */
public record Hardswish() implements Op {

    @Override
    public String type() {
        return "Hardswish";
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
                float x = in[i];
                out[i] = x * Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
            }
        })};
    }

    @Override
    public String describe() {
        return "Hardswish()";
    }
}
