package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * {@code torch.squeeze}: removes size-1 dimensions, e.g. {@code (N, C, 1, 1) → (N, C)} with dims {@code (2, 3)}.
 * With an empty {@code dims} every size-1 dimension goes ({@code torch.squeeze(x)}). As in PyTorch, a listed
 * dimension whose size is not 1 is left in place without error (ONNX's {@code Squeeze} would reject it).
 *
 * <p>The output is a view: it shares the input's storage (no copy), which is safe because no op modifies its inputs.
 *
 * @param dims the dimensions to squeeze (negative counts from the end); empty means all size-1 dimensions
 */
public record Squeeze(int[] dims) implements Op {

    /** Takes a defensive copy. */
    public Squeeze {
        dims = dims.clone();
    }

    /** {@code torch.squeeze(x, dims)}. */
    public static Squeeze of(int... dims) {
        return new Squeeze(dims);
    }

    /** {@code torch.squeeze(x)}: every size-1 dimension. */
    public static Squeeze all() {
        return new Squeeze(new int[0]);
    }

    /** The dimensions as given (copied). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String type() {
        return "Squeeze";
    }

    /** The input shape without the selected size-1 dimensions. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int rank = in.rank();
        boolean[] drop = new boolean[rank];
        if (dims.length == 0) {
            for (int i = 0; i < rank; i++) {
                drop[i] = in.dim(i) == 1;
            }
        } else if (rank == 0) {
            // PyTorch accepts dim 0 / -1 on a scalar and returns it unchanged.
            for (int d : dims) {
                LayoutSupport.normalizeDim(this, d, 1);
            }
        } else {
            for (int d : dims) {
                int a = LayoutSupport.normalizeDim(this, d, rank);
                if (drop[a]) {
                    throw new IllegalArgumentException("Squeeze: dimension " + d + " appears more than once in "
                            + LayoutSupport.tuple(dims));
                }
                drop[a] = in.dim(a) == 1;
            }
        }
        int[] out = new int[rank];
        int m = 0;
        for (int i = 0; i < rank; i++) {
            if (!drop[i]) {
                out[m++] = in.dim(i);
            }
        }
        return new Shape[] {Shape.of(Arrays.copyOf(out, m))};
    }

    /** A view of the input with the squeezed shape (shares storage). */
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
     * {@link AxisSupport#reshape}: the kept axes map to themselves (size-1 axes are skipped when matching), so a
     * channel axis goes through unchanged.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.reshape(node, from, axis, removed, links);
    }

    /**
     * Keeps this op unless pruning leaves an axis of size 1 that it would now squeeze too (a {@code Squeeze()} or a
     * listed axis that used to be larger): then the squeezed axes are listed explicitly, the ones removed before
     * pruning, or the op becomes an {@link Identity} when it removed none.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Shape before = node.input(0).shape();
        Shape after = cut.after(Port.in(0));
        if (inferShapes(new Shape[] {after})[0].rank() == node.output(0).shape().rank()) {
            return this;
        }
        int[] dropped = IntStream.range(0, before.rank()).filter(a -> before.dim(a) == 1
                && (dims.length == 0 || listed(a, before.rank()))).toArray();
        return dropped.length == 0 ? new Identity() : new Squeeze(dropped);
    }

    private boolean listed(int axis, int rank) {
        for (int d : dims) {
            if ((d < 0 ? d + rank : d) == axis) {
                return true;
            }
        }
        return false;
    }

    /** {@code Squeeze(dim=(2, 3))}, or {@code Squeeze()} for all. */
    @Override
    public String describe() {
        return dims.length == 0 ? "Squeeze()" : "Squeeze(dim=" + LayoutSupport.tuple(dims) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Squeeze s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return describe();
    }
}
