package dev.jprune.ir.axis;

import dev.jprune.tensor.Shape;

/**
 * The removals one node takes part in when a group is pruned, as its op sees them in
 * {@link dev.jprune.ir.Op#pruneAxes}: the indices leaving each of its ports (in that port's coordinates), the
 * shapes before and after, and a way to slice the node's parameters. Parameters shared by several nodes (a module
 * applied more than once) are sliced once.
 */
public interface AxisCut {

    /** The indices removed along {@code axis} of {@code port} (empty when none). */
    Indices removed(Port port, int axis);

    /** The axis of {@code port} that loses indices, or -1 when the port is untouched. */
    int axis(Port port);

    /** The shape of {@code port} before pruning. */
    Shape before(Port port);

    /** The shape of {@code port} after pruning (its axis shortened by the removed count). */
    default Shape after(Port port) {
        Shape s = before(port);
        int a = axis(port);
        return a < 0 ? s : s.with(a, s.dim(a) - removed(port, a).size());
    }

    /**
     * Removes the positions {@code removed} (ascending, in the parameter's own coordinates) along {@code axis} of
     * the node's parameter {@code localName}, with its gradient and optimiser state.
     */
    void sliceParam(String localName, int axis, int[] removed);
}
