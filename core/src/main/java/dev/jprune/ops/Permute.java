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

import java.util.Arrays;

/**
 * {@code torch.permute}: reorders dimensions, output dimension {@code i} being input dimension {@code dims[i]}, e.g.
 * {@code (N, L, H, D) → (N, H, L, D)} with {@code (0, 2, 1, 3)}. The input rank must equal {@code dims.length}.
 *
 * <p>Unlike PyTorch, which returns a strided view, the output is a new contiguous tensor (jprune tensors are always
 * dense row-major).
 *
 * @param dims a permutation of {@code 0..rank−1}; negative entries are accepted and stored normalised
 */
public record Permute(int[] dims) implements Op {

    /** Normalises negative entries and checks that {@code dims} is a permutation; takes a defensive copy. */
    public Permute {
        int rank = dims.length;
        int[] norm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = dims[i] < 0 ? dims[i] + rank : dims[i];
            if (d < 0 || d >= rank || seen[d]) {
                throw new IllegalArgumentException("Permute: dims " + LayoutSupport.tuple(dims)
                        + " must be a permutation of 0.." + (rank - 1));
            }
            seen[d] = true;
            norm[i] = d;
        }
        dims = norm;
    }

    /** {@code x.permute(dims)}. */
    public static Permute of(int... dims) {
        return new Permute(dims);
    }

    /** The permutation, normalised (copied). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String type() {
        return "Permute";
    }

    /** Output dimension {@code i} is input dimension {@code dims[i]}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() != dims.length) {
            throw new IllegalArgumentException("Permute with dims " + LayoutSupport.tuple(dims) + " expects a "
                    + dims.length + "-D input, got " + in);
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = in.dim(dims[i]);
        }
        return new Shape[] {Shape.of(out)};
    }

    /** A contiguous copy in the permuted order. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {permute(inputs[0], dims)};
    }

    /** The output gradient permuted back by the inverse permutation (a new tensor). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        int[] inverse = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            inverse[dims[i]] = i;
        }
        return new Tensor[] {permute(ctx.gradOutput(0), inverse)};
    }

    /** A new contiguous tensor with {@code x}'s dimensions reordered by the (normalised) permutation {@code perm}. */
    static Tensor permute(Tensor x, int[] perm) {
        int[] inStrides = x.shape().strides();
        int[] outDims = new int[perm.length];
        int[] srcStrides = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            outDims[i] = x.dim(perm[i]);
            srcStrides[i] = inStrides[perm[i]];
        }
        Shape os = Shape.of(outDims);
        Tensor out = Tensor.zeros(os);
        LayoutSupport.copy(x.data(), 0, srcStrides, out.data(), 0, os.strides(), outDims);
        return out;
    }

    /** Input axis {@code dims[i]} is output axis {@code i}, with the same indices ({@link AxisSupport#permute}). */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.permute(dims, from, axis, removed, links);
    }

    /** {@code Permute(dims=(0, 2, 1, 3))}. */
    @Override
    public String describe() {
        return "Permute(dims=" + LayoutSupport.tuple(dims) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Permute p && Arrays.equals(dims, p.dims);
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
