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
import dev.jprune.ops.internal.BroadcastSupport.Arithmetic;
import dev.jprune.ops.internal.BroadcastSupport;
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
        return BroadcastSupport.binaryShape(this, inputs);
    }

    /** A new tensor of the broadcast shape; the inputs are only read. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {BroadcastSupport.apply(this, Arithmetic.SUB, inputs[0], inputs[1], ctx.kernels())};
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** {@code da = dy}, {@code db = −dy}, each summed over the dimensions along which it was broadcast. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return BroadcastSupport.backward(this, Arithmetic.SUB, node, ctx);
    }

    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Sub()";
    }
}
