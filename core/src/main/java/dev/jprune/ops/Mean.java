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

import java.util.Arrays;

/**
 * {@code torch.mean(x, dim, keepdim)}: the mean over the listed dimensions, e.g. ShuffleNetV2's global pooling
 * {@code x.mean([2, 3])}, {@code (N, C, H, W) → (N, C)}, or {@code (N, C, 1, 1)} with {@code keepdim}. Each mean is
 * summed in double and rounded once to float. A functional op: Torch-Pruning's counter does not count it.
 *
 * @param dims    the reduced dimensions (negative counts from the end), at least one, none repeated
 * @param keepDim whether the reduced dimensions stay as size 1
 */
public record Mean(int[] dims, boolean keepDim) implements Op {

    /** Validates that there is at least one dimension; takes a defensive copy. */
    public Mean {
        dims = dims.clone();
        if (dims.length == 0) {
            throw new IllegalArgumentException("Mean: at least one dimension to reduce is needed");
        }
    }

    /** {@code x.mean(dims)} without {@code keepdim}. */
    public static Mean of(int... dims) {
        return new Mean(dims, false);
    }

    /** The dimensions as given (copied). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String type() {
        return "Mean";
    }

    /** Which axes of a rank-{@code rank} input are reduced; throws on an out-of-range or repeated dimension. */
    private boolean[] reduced(int rank) {
        boolean[] r = new boolean[rank];
        for (int d : dims) {
            int a = LayoutSupport.normalizeDim(this, d, rank);
            if (r[a]) {
                throw new IllegalArgumentException("Mean: dimension " + d + " appears more than once in "
                        + LayoutSupport.tuple(dims));
            }
            r[a] = true;
        }
        return r;
    }

    /** The input shape with the reduced dimensions dropped, or set to 1 with {@code keepDim}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        boolean[] r = reduced(in.rank());
        int[] out = new int[in.rank()];
        int m = 0;
        for (int a = 0; a < in.rank(); a++) {
            if (!r[a]) {
                out[m++] = in.dim(a);
            } else if (keepDim) {
                out[m++] = 1;
            }
        }
        return new Shape[] {Shape.of(Arrays.copyOf(out, m))};
    }

    /**
     * For every input element, the flat offset of the output element it contributes to: the input's row-major
     * strides with the reduced axes' strides set to 0.
     */
    private int[] outputStrides(Shape in) {
        boolean[] r = reduced(in.rank());
        int[] s = new int[in.rank()];
        int stride = 1;
        for (int a = in.rank() - 1; a >= 0; a--) {
            if (!r[a]) {
                s[a] = stride;
                stride *= in.dim(a);
            }
        }
        return s;
    }

    /** The number of elements averaged into each output. */
    private int count(Shape in) {
        boolean[] r = reduced(in.rank());
        int n = 1;
        for (int a = 0; a < in.rank(); a++) {
            if (r[a]) {
                n *= in.dim(a);
            }
        }
        return n;
    }

    /** A new tensor of the reduced shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape outShape = inferShapes(new Shape[] {x.shape()})[0];
        double[] sums = new double[outShape.numel()];
        int[] dims = x.shape().dims();
        int[] strides = outputStrides(x.shape());
        float[] in = x.data();
        int[] pos = new int[dims.length];
        int o = 0;
        for (int i = 0; i < in.length; i++) {
            sums[o] += in[i];
            for (int a = dims.length - 1; a >= 0; a--) {
                o += strides[a];
                if (++pos[a] < dims[a]) {
                    break;
                }
                o -= strides[a] * dims[a];
                pos[a] = 0;
            }
        }
        int n = count(x.shape());
        Tensor out = Tensor.zeros(outShape);
        float[] d = out.data();
        for (int j = 0; j < d.length; j++) {
            d[j] = (float) (sums[j] / n);
        }
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Every input element receives its output's gradient divided by the number of elements averaged. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape inShape = node.input(0).shape();
        float[] gy = ctx.gradOutput(0).data();
        int[] dims = inShape.dims();
        int[] strides = outputStrides(inShape);
        double scale = 1.0 / count(inShape);
        Tensor gx = Tensor.zeros(inShape);
        float[] g = gx.data();
        int[] pos = new int[dims.length];
        int o = 0;
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (gy[o] * scale);
            for (int a = dims.length - 1; a >= 0; a--) {
                o += strides[a];
                if (++pos[a] < dims[a]) {
                    break;
                }
                o -= strides[a] * dims[a];
                pos[a] = 0;
            }
        }
        return new Tensor[] {gx};
    }

    /**
     * A kept axis is the identity between input and output (shifted left past the dropped axes without
     * {@code keepDim}); a reduced axis cannot lose indices (they are averaged together).
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int rank = node.input(0).shape().rank();
        boolean[] r = reduced(rank);
        int[] outAxis = new int[rank];
        int m = 0;
        for (int a = 0; a < rank; a++) {
            outAxis[a] = r[a] && !keepDim ? -1 : m++;
        }
        int inAxis = -1;
        if (from.input()) {
            inAxis = axis;
        } else {
            for (int a = 0; a < rank; a++) {
                if (outAxis[a] == axis) {
                    inAxis = a;
                }
            }
        }
        if (inAxis < 0 || r[inAxis]) {
            throw new UnsupportedAxisException("Mean at " + node.name() + " cannot lose indices along axis " + axis
                    + " of " + from + ": it is reduced by " + describe());
        }
        links.link(Port.in(0), inAxis, removed);
        links.link(Port.out(0), outAxis[inAxis], removed);
    }

    /** {@code mean(dim=(2, 3), keepdim=False)}. */
    @Override
    public String describe() {
        return "mean(dim=" + LayoutSupport.tuple(dims) + ", keepdim=" + (keepDim ? "True" : "False") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mean m && keepDim == m.keepDim && Arrays.equals(dims, m.dims);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(dims) + Boolean.hashCode(keepDim);
    }

    @Override
    public String toString() {
        return describe();
    }
}
