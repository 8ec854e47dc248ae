package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * Element-wise {@code a − b} with NumPy/PyTorch broadcasting ({@code torch.sub}, {@code -}, ONNX {@code Sub}).
 * Torch-Pruning does not count it.
 */
public record Sub() implements Op {

    @Override
    public String type() {
        return "Sub";
    }

    /** The broadcast shape of the two inputs; throws naming the op when they do not broadcast. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 2);
        return new Shape[] {Shapes.broadcast(this, inputs[0], inputs[1])};
    }

    /** A new tensor of the broadcast shape; the inputs are only read. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.broadcast(this, inputs[0], inputs[1],
                (a, aOff, aStep, b, bOff, bStep, out, outOff, n) -> {
                    if (aStep == 1 && bStep == 1) {
                        for (int i = 0; i < n; i++) {
                            out[outOff + i] = a[aOff + i] - b[bOff + i];
                        }
                    } else if (bStep == 0) {
                        float y = b[bOff];
                        for (int i = 0; i < n; i++) {
                            float x = a[aOff + i * aStep];
                            out[outOff + i] = x - y;
                        }
                    } else {
                        float x = a[aOff];
                        for (int i = 0; i < n; i++) {
                            float y = b[bOff + i];
                            out[outOff + i] = x - y;
                        }
                    }
                })};
    }

    @Override
    public String describe() {
        return "Sub()";
    }
}
