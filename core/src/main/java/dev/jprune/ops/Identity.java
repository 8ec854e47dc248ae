package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.Identity}: returns its input unchanged, any shape. The output is a new tensor object sharing the input's
 * storage (no copy), which is safe because no op modifies its inputs.
 */
public record Identity() implements Op {

    @Override
    public String type() {
        return "Identity";
    }

    /** The input shape. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        return new Shape[] {inputs[0]};
    }

    /** A view of the input (shares storage). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {inputs[0].reshape(inputs[0].shape())};
    }

    /** The output gradient viewed with the input's shape (shares storage with it, no copy). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ctx.gradOutput(0).reshape(node.input(0).shape())};
    }

    /** {@code Identity()}. */
    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Identity()";
    }
}
