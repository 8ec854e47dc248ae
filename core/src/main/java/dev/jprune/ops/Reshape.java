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

/**
 * {@code Tensor.reshape} / {@code Tensor.view}: the same elements in row-major order under another shape, e.g.
 * {@code (N, L, E) → (N, L, H, D)}. At most one target entry may be {@code −1}; it is inferred from the element count.
 *
 * <p>Every other entry must be positive. ONNX's {@code 0} ("copy this input dimension") is <em>not</em> supported:
 * an importer resolves it to the concrete size first, which keeps the target meaningful after pruning (a pruning
 * step rewrites targets with {@link #withTarget}). A PyTorch target with an explicit 0-sized dimension is rejected
 * for the same reason.
 *
 * <p>The output is a view: it shares the input's storage (no copy), which is safe because no op modifies its inputs.
 */
public record Reshape(int[] target) implements Op {

    /** Validates the target (entries positive, at most one −1) and takes a defensive copy. */
    public Reshape {
        target = target.clone();
        int inferred = 0;
        for (int t : target) {
            if (t == -1) {
                inferred++;
            } else if (t < 1) {
                throw new IllegalArgumentException("Reshape: target entries must be positive or -1 (0 meaning 'copy the"
                        + " input dimension' is not supported), got " + LayoutSupport.tuple(target));
            }
        }
        if (inferred > 1) {
            throw new IllegalArgumentException("Reshape: at most one target entry may be -1, got " + LayoutSupport.tuple(target));
        }
    }

    /** A reshape to {@code target}. */
    public static Reshape of(int... target) {
        return new Reshape(target);
    }

    /** The target as given, possibly with a −1 (copied). */
    @Override
    public int[] target() {
        return target.clone();
    }

    /** A copy with another target (pruning rewrites targets, e.g. the head count of {@code (N, L, H, D)}). */
    public Reshape withTarget(int... newTarget) {
        return new Reshape(newTarget);
    }

    /** The target with the −1 resolved for input {@code in}; throws naming the op when the sizes cannot match. */
    public Shape resolve(Shape in) {
        long known = 1;
        int free = -1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                free = i;
            } else {
                known *= target[i];
            }
        }
        long n = in.numelLong();
        int[] out = target.clone();
        if (free >= 0) {
            if (n % known != 0) {
                throw new IllegalArgumentException("Reshape: cannot reshape " + in + " (" + n + " elements) to "
                        + LayoutSupport.tuple(target) + "; expected a multiple of " + known + " elements");
            }
            out[free] = Math.toIntExact(n / known);
        } else if (known != n) {
            throw new IllegalArgumentException("Reshape: cannot reshape " + in + " (" + n + " elements) to "
                    + LayoutSupport.tuple(target) + " (" + known + " elements)");
        }
        return Shape.of(out);
    }

    @Override
    public String type() {
        return "Reshape";
    }

    /** The resolved target. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        return new Shape[] {resolve(inputs[0])};
    }

    /** A view of the input with the target shape (shares storage). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {inputs[0].reshape(resolve(inputs[0].shape()))};
    }

    /** The output gradient viewed with the input's shape (shares storage with it, no copy). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ctx.gradOutput(0).reshape(node.input(0).shape())};
    }

    /**
     * {@link AxisSupport#reshape}: an axis kept as it is maps to itself; where axes are merged or split (heads,
     * channel-shuffle groups, flattening) the several-axes side loses indices along its largest axis and the single
     * axis loses whole slabs. Throws {@link dev.jprune.ir.axis.UnsupportedAxisException} naming the node when no
     * slice can follow the axis.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.reshape(node, from, axis, removed, links);
    }

    /**
     * The target becomes the pruned output shape; an entry given as −1 stays −1 (it then resolves to that same
     * size), so a batch-size-agnostic reshape stays agnostic.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Shape after = cut.after(Port.out(0));
        if (after.equals(node.output(0).shape())) {
            return this;
        }
        int[] t = after.dims();
        for (int i = 0; i < t.length; i++) {
            if (target[i] == -1) {
                t[i] = -1;
            }
        }
        return withTarget(t);
    }

    /** {@code Reshape(shape=(2, -1))}. */
    @Override
    public String describe() {
        return "Reshape(shape=" + LayoutSupport.tuple(target) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reshape r && Arrays.equals(target, r.target);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(target);
    }

    @Override
    public String toString() {
        return describe();
    }
}
