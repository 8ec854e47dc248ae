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
 * {@code torch.unsqueeze}: inserts a size-1 dimension at {@code dim}, e.g. {@code (N, C) → (N, C, 1)} with dim −1.
 * {@code dim} ranges over {@code [−rank−1, rank]} of the input (a negative one counts from the end of the output).
 *
 * <p>The output is a view: it shares the input's storage (no copy), which is safe because no op modifies its inputs.
 *
 * @param dim where the new dimension goes in the output
 */
public record Unsqueeze(int dim) implements Op {

    @Override
    public String type() {
        return "Unsqueeze";
    }

    /** The input shape with a 1 inserted at {@code dim}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        int[] d = inputs[0].dims();
        int at = dim < 0 ? dim + d.length + 1 : dim;
        if (at < 0 || at > d.length) {
            throw new IllegalArgumentException("Unsqueeze: dimension " + dim + " is out of range for input " + inputs[0]
                    + " (expected " + (-d.length - 1) + " to " + d.length + ")");
        }
        int[] out = new int[d.length + 1];
        System.arraycopy(d, 0, out, 0, at);
        out[at] = 1;
        System.arraycopy(d, at, out, at + 1, d.length - at);
        return new Shape[] {Shape.of(out)};
    }

    /** A view of the input with the new shape (shares storage). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {inputs[0].reshape(inferShapes(new Shape[] {inputs[0].shape()})[0])};
    }

    /** The output gradient viewed with the input's shape (shares storage with it, no copy). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ctx.gradOutput(0).reshape(node.input(0).shape())};
    }

    /**
     * {@link AxisSupport#reshape}: every input axis maps to itself in the output, shifted past the new size-1 axis;
     * the new axis cannot lose indices.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.reshape(node, from, axis, removed, links);
    }

    /** {@code Unsqueeze(dim=1)}. */
    @Override
    public String describe() {
        return "Unsqueeze(dim=" + dim + ")";
    }
}
