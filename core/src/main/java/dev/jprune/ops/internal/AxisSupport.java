package dev.jprune.ops.internal;

import dev.jprune.ir.Node;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/** Shared axis rules: element-wise identity with broadcasting, offsets, permutations and reshape blocks. */
public final class AxisSupport {

    private AxisSupport() {
    }

    /** The shape at {@code port} of {@code node}. */
    public static Shape shape(Node node, Port port) {
        return port.input() ? node.input(port.index()).shape() : node.output(port.index()).shape();
    }

    /**
     * Identity across every input and output, aligned from the right as broadcasting aligns them: an operand of
     * size 1 on the axis (broadcast) is not coupled. Used by element-wise ops, activations, normalisation over
     * other axes, pooling (on the axes it does not pool) and dropout.
     */
    public static void elementwise(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int outRank = node.output(0).shape().rank();
        Shape fromShape = shape(node, from);
        if (fromShape.dim(axis) == 1 && outRank > 0 && node.output(0).shape().dim(axis + outRank - fromShape.rank()) > 1) {
            return; // a broadcast operand: its single element serves every index
        }
        int aligned = axis + outRank - fromShape.rank();
        for (int i = 0; i < node.inputs().size(); i++) {
            linkAligned(node, Port.in(i), aligned, outRank, removed, links);
        }
        for (int j = 0; j < node.outputs().size(); j++) {
            linkAligned(node, Port.out(j), aligned, outRank, removed, links);
        }
    }

    private static void linkAligned(Node node, Port port, int aligned, int outRank, Indices removed, AxisLinks links) {
        Shape s = shape(node, port);
        int a = aligned - (outRank - s.rank());
        if (a < 0 || (s.dim(a) == 1 && node.output(0).shape().dim(aligned) > 1)) {
            return; // a broadcast operand serves every index, the removed ones included
        }
        links.link(port, a, removed);
    }

    /** Throws unless {@code axis} is one of {@code allowed}: the op cannot lose indices along other axes. */
    public static void requireAxis(Node node, Port from, int axis, String why, int... allowed) {
        for (int a : allowed) {
            if (a == axis) {
                return;
            }
        }
        throw new UnsupportedAxisException(node.op().type() + " at " + node.name() + " cannot lose indices along axis "
                + axis + " of " + from + " " + shape(node, from) + ": " + why);
    }

    /** The axes of a rank-{@code rank} operand other than {@code excluded}, as an array. */
    public static int[] axesExcept(int rank, int... excluded) {
        List<Integer> a = new ArrayList<>();
        outer:
        for (int i = 0; i < rank; i++) {
            for (int e : excluded) {
                if (e == i) {
                    continue outer;
                }
            }
            a.add(i);
        }
        return a.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Concatenation along {@code dim}: on that axis input {@code k} occupies {@code [offset_k, offset_k + size_k)}
     * of the output; every other axis is shared by all operands.
     */
    public static void concat(Node node, int dim, Port from, int axis, Indices removed, AxisLinks links) {
        int n = node.inputs().size();
        if (axis != dim) {
            for (int i = 0; i < n; i++) {
                links.link(Port.in(i), axis, removed);
            }
            links.link(Port.out(0), axis, removed);
            return;
        }
        int[] offsets = new int[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + node.input(i).shape().dim(dim);
        }
        if (from.input()) {
            links.link(Port.out(0), dim, removed.shift(offsets[from.index()]));
        } else {
            for (int i = 0; i < n; i++) {
                Indices part = removed.window(offsets[i], offsets[i + 1], 1);
                if (!part.isEmpty()) {
                    links.link(Port.in(i), dim, part);
                }
            }
        }
    }

    /** Split along {@code dim}: output {@code k} is {@code [offset_k, offset_k + size_k)} of the input there. */
    public static void split(Node node, int dim, Port from, int axis, Indices removed, AxisLinks links) {
        int n = node.outputs().size();
        if (axis != dim) {
            links.link(Port.in(0), axis, removed);
            for (int j = 0; j < n; j++) {
                links.link(Port.out(j), axis, removed);
            }
            return;
        }
        int[] offsets = new int[n + 1];
        for (int j = 0; j < n; j++) {
            offsets[j + 1] = offsets[j] + node.output(j).shape().dim(dim);
        }
        if (!from.input()) {
            links.link(Port.in(0), dim, removed.shift(offsets[from.index()]));
        } else {
            for (int j = 0; j < n; j++) {
                Indices part = removed.window(offsets[j], offsets[j + 1], 1);
                if (!part.isEmpty()) {
                    links.link(Port.out(j), dim, part);
                }
            }
        }
    }

    /** A permutation of axes: output axis {@code k} is input axis {@code perm[k]}; indices are unchanged. */
    public static void permute(int[] perm, Port from, int axis, Indices removed, AxisLinks links) {
        if (from.input()) {
            for (int k = 0; k < perm.length; k++) {
                if (perm[k] == axis) {
                    links.link(Port.out(0), k, removed);
                }
            }
        } else {
            links.link(Port.in(0), perm[axis], removed);
        }
    }

    /**
     * A reshape (view, flatten, squeeze, unsqueeze) from input 0 to output 0. The axes of size greater than one
     * are matched into segments of equal product. A segment that is one axis on both sides is an identity. A
     * segment that merges several axes into one (flatten, heads merged back) or splits one into several (heads,
     * channel-shuffle groups) is a block: the several-axes side loses indices along one axis only, by default its
     * largest (the outer one on a tie), which is the channel axis of a flatten, the in-head axis of an attention
     * split and the in-group axis of a channel shuffle; the links may choose another ({@link AxisLinks#blockAxis}),
     * as the dependency graph does on attention heads. An index on the single axis removes the whole slab of the
     * positions that share its digit on that axis. Segments with several axes on both sides cannot be followed.
     */
    public static void reshape(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        reshape(node, from, axis, removed, links, false);
    }

    /**
     * {@link #reshape(Node, Port, int, Indices, AxisLinks)} where, with {@code outerAxis}, the several-axes side of a
     * block loses indices along its outermost axis instead of its largest: a flatten of {@code (N, C, H, W)} is
     * channel-first whatever the sizes, so its channels are followed even when {@code H} or {@code W} exceeds
     * {@code C}.
     */
    public static void reshape(Node node, Port from, int axis, Indices removed, AxisLinks links, boolean outerAxis) {
        Shape in = node.input(0).shape();
        Shape out = node.output(0).shape();
        Shape fromShape = from.input() ? in : out;
        Shape toShape = from.input() ? out : in;
        Port to = from.input() ? Port.out(0) : Port.in(0);
        if (fromShape.dim(axis) == 1) {
            throw new UnsupportedAxisException(node.op().type() + " at " + node.name() + ": axis " + axis + " of "
                    + from + " " + fromShape + " has size 1");
        }
        int[][] seg = segment(fromShape, toShape, axis, node);
        int[] mine = seg[0];
        int[] theirs = seg[1];
        if (mine.length == 1 && theirs.length == 1) {
            links.link(to, theirs[0], removed);
            return;
        }
        if (mine.length > 1 && theirs.length > 1) {
            throw new UnsupportedAxisException(node.op().type() + " at " + node.name() + " regroups axes "
                    + java.util.Arrays.toString(mine) + " of " + fromShape + " into several axes of " + toShape
                    + "; no single axis can follow axis " + axis);
        }
        if (mine.length == 1) {
            // from the single (flat) axis to the several-axes side
            int t = outerAxis ? theirs[0] : chosen(links, node, toShape, theirs);
            int stride = toShape.product(t + 1, theirs[theirs.length - 1] + 1);
            int dim = toShape.dim(t);
            int total = fromShape.dim(axis);
            Indices digits = removed.map(f -> (f / stride) % dim);
            links.link(to, t, digits);
            links.link(from, axis, digits.flatMap(v -> slab(v, dim, stride, total)));
        } else {
            int t = outerAxis ? mine[0] : chosen(links, node, fromShape, mine);
            if (t != axis) {
                throw new UnsupportedAxisException(node.op().type() + " at " + node.name() + " folds axes "
                        + java.util.Arrays.toString(mine) + " of " + fromShape + " into one; only axis " + t
                        + (outerAxis ? " (the outermost)" : " (the largest)") + " can lose indices, not axis " + axis);
            }
            int stride = fromShape.product(t + 1, mine[mine.length - 1] + 1);
            int dim = fromShape.dim(t);
            int total = toShape.dim(theirs[0]);
            links.link(to, theirs[0], removed.flatMap(v -> slab(v, dim, stride, total)));
        }
    }

    /** The flat positions in {@code [0, total)} whose digit on an axis of size {@code dim} and stride {@code stride} is {@code v}. */
    private static int[] slab(int v, int dim, int stride, int total) {
        int outer = total / (dim * stride);
        int[] r = new int[outer * stride];
        int n = 0;
        for (int hi = 0; hi < outer; hi++) {
            for (int lo = 0; lo < stride; lo++) {
                r[n++] = (hi * dim + v) * stride + lo;
            }
        }
        return r;
    }

    /** The block axis: the largest, unless the links choose another ({@link AxisLinks#blockAxis}). */
    private static int chosen(AxisLinks links, Node node, Shape s, int[] axes) {
        int t = links.blockAxis(node, s, axes.clone(), largest(s, axes));
        for (int a : axes) {
            if (a == t) {
                return t;
            }
        }
        throw new IllegalStateException("block axis " + t + " chosen for " + node.name() + " is not one of "
                + java.util.Arrays.toString(axes) + " of " + s);
    }

    private static int largest(Shape s, int[] axes) {
        int best = axes[0];
        for (int a : axes) {
            if (s.dim(a) > s.dim(best)) {
                best = a;
            }
        }
        return best;
    }

    /**
     * The segment holding {@code axis} of {@code a}: its axes of size greater than one on each side, matched by
     * running products.
     */
    private static int[][] segment(Shape a, Shape b, int axis, Node node) {
        int[] ax = nonUnit(a);
        int[] bx = nonUnit(b);
        int i = 0;
        int j = 0;
        while (i < ax.length && j < bx.length) {
            int i0 = i;
            int j0 = j;
            long pa = a.dim(ax[i++]);
            long pb = b.dim(bx[j++]);
            while (pa != pb) {
                if (pa < pb && i < ax.length) {
                    pa *= a.dim(ax[i++]);
                } else if (pb < pa && j < bx.length) {
                    pb *= b.dim(bx[j++]);
                } else {
                    break;
                }
            }
            if (pa != pb) {
                break;
            }
            for (int k = i0; k < i; k++) {
                if (ax[k] == axis) {
                    return new int[][] {java.util.Arrays.copyOfRange(ax, i0, i), java.util.Arrays.copyOfRange(bx, j0, j)};
                }
            }
        }
        throw new UnsupportedAxisException(node.op().type() + " at " + node.name() + ": cannot match axis " + axis
                + " of " + a + " with the axes of " + b);
    }

    private static int[] nonUnit(Shape s) {
        return java.util.stream.IntStream.range(0, s.rank()).filter(k -> s.dim(k) > 1).toArray();
    }

    /**
     * Axes matched by role, for ops whose operands share named axes (matrix products, attention):
     * {@code roles[p][a]} names axis {@code a} of port {@code p}, the inputs first, then the outputs; removing
     * indices along an axis removes them along every axis with the same role. Non-negative roles are batch axes
     * that broadcast: an operand of size 1 there serves every index and is not coupled. Negative roles are the
     * op's own axes (rows, inner dimension, columns), never broadcast.
     */
    public static void byRole(Node node, Port from, int axis, Indices removed, AxisLinks links, int[][] roles) {
        int inputs = node.inputs().size();
        int role = roles[from.input() ? from.index() : inputs + from.index()][axis];
        boolean fromUnit = shape(node, from).dim(axis) == 1;
        for (int p = 0; p < roles.length; p++) {
            Port port = p < inputs ? Port.in(p) : Port.out(p - inputs);
            Shape s = shape(node, port);
            for (int a = 0; a < roles[p].length; a++) {
                if (roles[p][a] == role && role >= 0 && fromUnit && s.dim(a) > 1) {
                    return; // the removal is on a broadcast operand: its single element serves every index
                }
            }
        }
        for (int p = 0; p < roles.length; p++) {
            Port port = p < inputs ? Port.in(p) : Port.out(p - inputs);
            Shape s = shape(node, port);
            for (int a = 0; a < roles[p].length; a++) {
                if (roles[p][a] == role && !(role >= 0 && s.dim(a) == 1 && !fromUnit)) {
                    links.link(port, a, removed);
                }
            }
        }
    }
}
