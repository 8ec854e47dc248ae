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
 * {@code torch.cat}: joins any number of inputs along {@code dim} (negative counts from the end), e.g.
 * {@code (N, C1, H, W), (N, C2, H, W) → (N, C1 + C2, H, W)} with dim 1. All inputs have the same rank and equal sizes
 * except along {@code dim}. PyTorch's legacy exception that skips 1-D empty tensors of any other shape is not
 * supported.
 *
 * @param dim the dimension joined along
 */
public record Concat(int dim) implements Op {

    @Override
    public String type() {
        return "Concat";
    }

    /** The common shape with the sizes along {@code dim} summed. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireAtLeast(this, inputs, 1);
        Shape first = inputs[0];
        int rank = first.rank();
        int axis = LayoutSupport.normalizeDim(this, dim, rank);
        long total = 0;
        for (int i = 0; i < inputs.length; i++) {
            Shape s = inputs[i];
            boolean ok = s.rank() == rank;
            for (int d = 0; ok && d < rank; d++) {
                ok = d == axis || s.dim(d) == first.dim(d);
            }
            if (!ok) {
                throw new IllegalArgumentException("Concat along dim " + dim + ": input " + i + " has shape " + s
                        + ", expected " + pattern(first, axis) + " (the sizes of input 0 " + first
                        + " except along dim " + dim + ")");
            }
            total += s.dim(axis);
        }
        return new Shape[] {first.with(axis, Math.toIntExact(total))};
    }

    /** {@code (2, *, 4)}: the shape with {@code *} at {@code axis}. */
    private static String pattern(Shape s, int axis) {
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < s.rank(); d++) {
            sb.append(d == 0 ? "" : ", ").append(d == axis ? "*" : Integer.toString(s.dim(d)));
        }
        return sb.append(s.rank() == 1 ? ",)" : ")").toString();
    }

    /** A new tensor holding the inputs one after the other along {@code dim}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Shape[] shapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].shape();
        }
        Shape os = inferShapes(shapes)[0];
        int axis = os.normalizeAxis(dim);
        int outer = os.product(0, axis);
        int inner = os.product(axis + 1, os.rank());
        int outRow = os.dim(axis) * inner;
        Tensor out = Tensor.zeros(os);
        float[] o = out.data();
        int at = 0;
        for (Tensor t : inputs) {
            int row = t.dim(axis) * inner;
            float[] src = t.data();
            for (int r = 0; r < outer; r++) {
                System.arraycopy(src, r * row, o, r * outRow + at, row);
            }
            at += row;
        }
        return new Tensor[] {out};
    }

    /** Each input's gradient is its slab of the output gradient along {@code dim} (copied); skipped when not needed. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape os = dy.shape();
        int axis = os.normalizeAxis(dim);
        int outer = os.product(0, axis);
        int inner = os.product(axis + 1, os.rank());
        int outRow = os.dim(axis) * inner;
        float[] g = dy.data();
        int n = node.inputs().size();
        Tensor[] dx = new Tensor[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            Shape s = node.input(i).shape();
            int row = s.dim(axis) * inner;
            if (ctx.needsInputGrad(i)) {
                dx[i] = Tensor.zeros(s);
                float[] d = dx[i].data();
                for (int r = 0; r < outer; r++) {
                    System.arraycopy(g, r * outRow + at, d, r * row, row);
                }
            }
            at += row;
        }
        return dx;
    }

    /**
     * Along {@code dim}, input {@code k} is the slab {@code [offset_k, offset_k + size_k)} of the output, so its
     * indices are shifted by {@code offset_k} (and an output index goes back to the one input that holds it); every
     * other axis is shared by all inputs and the output ({@link AxisSupport#concat}). No attribute depends on the
     * sizes, so pruning keeps this op.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.concat(node, node.output(0).shape().normalizeAxis(dim), from, axis, removed, links);
    }

    /** {@code Concat(dim=1)}. */
    @Override
    public String describe() {
        return "Concat(dim=" + dim + ")";
    }
}
