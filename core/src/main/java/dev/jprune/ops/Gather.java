package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * Indexing with an integer tensor along one axis: ONNX {@code Gather}, {@code torch.index_select} for a 1-D index,
 * and PyTorch's advanced indexing {@code table[index]} along axis 0, e.g. Swin's relative position bias
 * {@code relative_position_bias_table[relative_position_index]}: a table {@code (T, heads)} and an index
 * {@code (N²,)} give {@code (N², heads)}. Inputs are the data and the indices (whole-valued floats, usually a
 * {@link FreeBuffer}); the output is {@code data.shape[:axis] + indices.shape + data.shape[axis+1:]}. A negative
 * index counts from the end, as in both frameworks; an index outside {@code [-size, size)} or not a whole number
 * fails the forward, naming the node. The indices get no gradient; the data's gradient sums the output gradients
 * of every position that read each entry. Torch-Pruning counts no ops for it.
 *
 * @param axis the data axis indexed (negative counts from the end)
 */
public record Gather(int axis) implements Op {

    @Override
    public String type() {
        return "Gather";
    }

    /** The data's shape with the indexed axis replaced by the indices' shape. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 2);
        Shape data = inputs[0];
        Shape idx = inputs[1];
        int a = LayoutSupport.normalizeDim(this, axis, data.rank());
        int[] out = new int[data.rank() - 1 + idx.rank()];
        System.arraycopy(data.dims(), 0, out, 0, a);
        System.arraycopy(idx.dims(), 0, out, a, idx.rank());
        System.arraycopy(data.dims(), a + 1, out, a + idx.rank(), data.rank() - a - 1);
        return new Shape[] {Shape.of(out)};
    }

    /** The validated, non-negative positions the indices select along an axis of {@code size}. */
    private static int[] positions(Node node, Tensor indices, int size) {
        float[] d = indices.data();
        int[] pos = new int[d.length];
        for (int j = 0; j < d.length; j++) {
            float v = d[j];
            if (v != Math.rint(v) || v < -size || v >= size) {
                throw new IllegalArgumentException("Gather at " + node.name() + ": index " + v + " at position " + j
                        + " is not a whole number in [" + -size + ", " + size + ")");
            }
            pos[j] = v < 0 ? (int) v + size : (int) v;
        }
        return pos;
    }

    /** Copies the selected slabs into a new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor data = inputs[0];
        Shape s = data.shape();
        int a = s.normalizeAxis(axis);
        int size = s.dim(a);
        int outer = s.product(0, a);
        int inner = s.product(a + 1, s.rank());
        int[] pos = positions(node, inputs[1], size);
        Tensor out = Tensor.zeros(inferShapes(new Shape[] {s, inputs[1].shape()})[0]);
        float[] src = data.data();
        float[] dst = out.data();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < pos.length; j++) {
                System.arraycopy(src, (o * size + pos[j]) * inner, dst, (o * pos.length + j) * inner, inner);
            }
        }
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** Scatter-adds the output gradient into a zero tensor of the data's shape; none for the indices. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        if (!ctx.needsInputGrad(0)) {
            return new Tensor[] {null, null};
        }
        Shape s = node.input(0).shape();
        int a = s.normalizeAxis(axis);
        int size = s.dim(a);
        int outer = s.product(0, a);
        int inner = s.product(a + 1, s.rank());
        int[] pos = positions(node, ctx.input(1), size);
        Tensor dx = Tensor.zeros(s);
        float[] g = ctx.gradOutput(0).data();
        float[] d = dx.data();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < pos.length; j++) {
                int from = (o * pos.length + j) * inner;
                int to = (o * size + pos[j]) * inner;
                for (int i = 0; i < inner; i++) {
                    d[to + i] += g[from + i];
                }
            }
        }
        return new Tensor[] {dx, null};
    }

    /**
     * The data's axes other than the indexed one are the identity with the output's (shifted past the indices'
     * axes); each axis of the indices is the output axis it becomes (removing index positions removes the rows they
     * gathered). The indexed data axis cannot lose indices: the index values refer to its positions.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        Shape data = node.input(0).shape();
        int a = data.normalizeAxis(this.axis);
        int ri = node.input(1).shape().rank();
        if (from.equals(Port.in(0))) {
            if (axis == a) {
                throw new UnsupportedAxisException("Gather at " + node.name() + " cannot lose indices along its indexed"
                        + " axis " + a + " of the data " + data + ": the index values refer to those positions");
            }
            links.link(Port.out(0), axis < a ? axis : axis + ri - 1, removed);
        } else if (from.equals(Port.in(1))) {
            links.link(Port.out(0), a + axis, removed);
        } else if (axis < a) {
            links.link(Port.in(0), axis, removed);
        } else if (axis >= a + ri) {
            links.link(Port.in(0), axis - ri + 1, removed);
        } else {
            links.link(Port.in(1), axis - a, removed);
        }
    }

    @Override
    public String describe() {
        return "Gather(axis=" + axis + ")";
    }
}
