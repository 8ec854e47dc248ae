package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.Flatten} / {@code torch.flatten}: merges dimensions {@code startDim..endDim} (inclusive, negative counts
 * from the end) into one, e.g. {@code (N, C, H, W) → (N, C·H·W)} with the module's defaults {@code (1, -1)}.
 * {@code torch.flatten(x)} is {@code (0, -1)}; {@code torch.flatten(x, 1)} is {@link #of()}. A 0-D input becomes
 * {@code (1,)}, as in PyTorch.
 *
 * <p>The output is a view: it shares the input's storage (no copy), which is safe because no op modifies its inputs.
 *
 * @param startDim first dimension merged
 * @param endDim   last dimension merged
 */
public record Flatten(int startDim, int endDim) implements Op {

    /** {@code nn.Flatten()}: start 1, end −1. */
    public static Flatten of() {
        return new Flatten(1, -1);
    }

    @Override
    public String type() {
        return "Flatten";
    }

    /** {@code (d0, …, d_start, …, d_end, …) → (d0, …, d_start·…·d_end, …)}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        // PyTorch treats a scalar as one dimension of size 1 here (dims 0 and -1 are accepted).
        int s = dim("start_dim", startDim, in);
        int e = dim("end_dim", endDim, in);
        if (in.rank() == 0) {
            return new Shape[] {Shape.of(1)};
        }
        if (s > e) {
            throw new IllegalArgumentException("Flatten: start_dim " + startDim + " comes after end_dim " + endDim
                    + " for input " + in + "; expected start_dim <= end_dim");
        }
        int[] d = in.dims();
        int[] out = new int[d.length - (e - s)];
        System.arraycopy(d, 0, out, 0, s);
        out[s] = in.product(s, e + 1);
        System.arraycopy(d, e + 1, out, s + 1, d.length - e - 1);
        return new Shape[] {Shape.of(out)};
    }

    private int dim(String what, int d, Shape in) {
        int rank = Math.max(1, in.rank());
        try {
            return LayoutSupport.normalizeDim(this, d, rank);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("Flatten: " + what + " " + d + " is out of range for input " + in
                    + " (expected " + (-rank) + " to " + (rank - 1) + ")", ex);
        }
    }

    /** A view of the input with the merged shape (shares storage). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {inputs[0].reshape(inferShapes(new Shape[] {inputs[0].shape()})[0])};
    }

    /** The output gradient viewed with the input's shape (shares storage with it, no copy). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ctx.gradOutput(0).reshape(node.input(0).shape())};
    }

    /** {@code Flatten(start_dim=1, end_dim=-1)}. */
    /**
     * A reshape whose merged axes lose indices along the outermost one ({@link AxisSupport#reshape(Node, Port, int,
     * Indices, AxisLinks, boolean)}): a channel of {@code (N, C, H, W)} is the block of its {@code H·W} flattened
     * features, whatever the sizes.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.reshape(node, from, axis, removed, links, true);
    }

    @Override
    public String describe() {
        return "Flatten(start_dim=" + startDim + ", end_dim=" + endDim + ")";
    }
}
