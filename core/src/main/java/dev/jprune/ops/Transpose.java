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
 * {@code torch.transpose}: swaps two dimensions (negative counts from the end), e.g. {@code (N, L, E) → (N, E, L)}
 * with {@code (1, 2)}. Unlike PyTorch's strided view, the output is a new contiguous tensor.
 *
 * @param dim0 one dimension
 * @param dim1 the other
 */
public record Transpose(int dim0, int dim1) implements Op {

    @Override
    public String type() {
        return "Transpose";
    }

    /** The permutation this transpose applies to an input of rank {@code rank}; throws naming the op when out of range. */
    public int[] permutation(int rank) {
        int a = LayoutSupport.normalizeDim(this, dim0, rank);
        int b = LayoutSupport.normalizeDim(this, dim1, rank);
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return perm;
    }

    /** The input shape with {@code dim0} and {@code dim1} swapped. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int[] perm = permutation(in.rank());
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = in.dim(perm[i]);
        }
        return new Shape[] {Shape.of(out)};
    }

    /** A contiguous copy with the two dimensions swapped. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {Permute.permute(inputs[0], permutation(inputs[0].rank()))};
    }

    /** The output gradient with the same two dimensions swapped back (a transposition is its own inverse). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        return new Tensor[] {Permute.permute(dy, permutation(dy.rank()))};
    }

    /** {@code dim0} and {@code dim1} trade places with the same indices; other axes map to themselves. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.permute(permutation(node.input(0).shape().rank()), from, axis, removed, links);
    }

    /** {@code Transpose(dim0=1, dim1=2)}. */
    @Override
    public String describe() {
        return "Transpose(dim0=" + dim0 + ", dim1=" + dim1 + ")";
    }
}
