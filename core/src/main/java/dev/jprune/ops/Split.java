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
 * {@code torch.split} with a list of sizes, and {@code torch.chunk}: cuts the input along {@code dim} (negative counts
 * from the end) into consecutive pieces of the given sizes, one output each, e.g. {@code (N, L, 3E) → 3 × (N, L, E)}
 * with sizes {@code (E, E, E)} on dim −1. The sizes must add up to the input's size along {@code dim}; zero-sized
 * pieces are allowed, as in PyTorch. Outputs are copies.
 *
 * <p>{@code torch.split(x, n)} (equal pieces, the last smaller) is {@link #bySize}; {@code torch.chunk(x, n)} is
 * {@link #chunk}. Both resolve the piece sizes for a known input size, so after pruning a new op is made with
 * {@link #withSizes}.
 *
 * @param dim   the dimension cut along
 * @param sizes the size of each piece, in order
 */
public record Split(int dim, int[] sizes) implements Op {

    /** Validates the sizes (at least one, none negative) and takes a defensive copy. */
    public Split {
        sizes = sizes.clone();
        if (sizes.length == 0) {
            throw new IllegalArgumentException("Split needs at least one piece size");
        }
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("Split: piece sizes must be non-negative, got " + LayoutSupport.tuple(sizes));
            }
        }
    }

    /** {@code torch.split(x, sizes, dim)}. */
    public static Split of(int dim, int... sizes) {
        return new Split(dim, sizes);
    }

    /**
     * {@code torch.chunk(x, chunks, dim)} for an input of size {@code sizeAlongDim} along {@code dim}: pieces of
     * {@code ceil(size / chunks)}, the last one smaller; as in PyTorch this can give fewer than {@code chunks} pieces
     * (6 into 4 gives 2, 2, 2). Chunking 10 into 3 gives 4, 4, 2.
     */
    public static Split chunk(int dim, int chunks, int sizeAlongDim) {
        if (chunks < 1 || sizeAlongDim < 1) {
            throw new IllegalArgumentException("Split.chunk: chunks and the size along dim must be positive, got "
                    + chunks + " and " + sizeAlongDim);
        }
        return bySize(dim, (sizeAlongDim + chunks - 1) / chunks, sizeAlongDim);
    }

    /**
     * {@code torch.split(x, pieceSize, dim)} for an input of size {@code sizeAlongDim} along {@code dim}: pieces of
     * {@code pieceSize}, the last one holding the remainder.
     */
    public static Split bySize(int dim, int pieceSize, int sizeAlongDim) {
        if (pieceSize < 1 || sizeAlongDim < 1) {
            throw new IllegalArgumentException("Split.bySize: the piece size and the size along dim must be positive, got "
                    + pieceSize + " and " + sizeAlongDim);
        }
        int n = (sizeAlongDim + pieceSize - 1) / pieceSize;
        int[] s = new int[n];
        Arrays.fill(s, pieceSize);
        s[n - 1] = sizeAlongDim - (n - 1) * pieceSize;
        return new Split(dim, s);
    }

    /** The piece sizes (copied). */
    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    /** A copy with other piece sizes and the same dimension (pruning); the number of pieces must not change. */
    public Split withSizes(int... newSizes) {
        if (newSizes.length != sizes.length) {
            throw new IllegalArgumentException("Split.withSizes: expected " + sizes.length + " sizes (one per output), got "
                    + newSizes.length);
        }
        return new Split(dim, newSizes);
    }

    /** The start of each piece along {@code dim}. */
    public int[] offsets() {
        int[] o = new int[sizes.length];
        for (int i = 1; i < sizes.length; i++) {
            o[i] = o[i - 1] + sizes[i - 1];
        }
        return o;
    }

    @Override
    public String type() {
        return "Split";
    }

    /** One output per piece. */
    @Override
    public int outputCount() {
        return sizes.length;
    }

    /** The input shape with the size along {@code dim} replaced by each piece's size. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int axis = LayoutSupport.normalizeDim(this, dim, in.rank());
        long total = 0;
        for (int s : sizes) {
            total += s;
        }
        if (total != in.dim(axis)) {
            throw new IllegalArgumentException("Split into " + LayoutSupport.tuple(sizes) + " along dim " + dim
                    + " expects size " + total + " there, got input " + in);
        }
        Shape[] out = new Shape[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            out[i] = in.with(axis, sizes[i]);
        }
        return out;
    }

    /** Copies each piece into a new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape[] shapes = inferShapes(new Shape[] {x.shape()});
        int axis = x.shape().normalizeAxis(dim);
        int outer = x.shape().product(0, axis);
        int inner = x.shape().product(axis + 1, x.rank());
        int inRow = x.dim(axis) * inner;
        float[] src = x.data();
        Tensor[] out = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = Tensor.zeros(shapes[i]);
            int row = sizes[i] * inner;
            float[] o = out[i].data();
            for (int r = 0; r < outer; r++) {
                System.arraycopy(src, r * inRow + at, o, r * row, row);
            }
            at += row;
        }
        return out;
    }

    /**
     * The output gradients joined along {@code dim}; a piece whose output received no gradient contributes zeros (no
     * zero tensor is materialised for it).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape in = node.input(0).shape();
        int axis = in.normalizeAxis(dim);
        int outer = in.product(0, axis);
        int inner = in.product(axis + 1, in.rank());
        int inRow = in.dim(axis) * inner;
        Tensor dx = Tensor.zeros(in);
        float[] d = dx.data();
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            int row = sizes[i] * inner;
            Tensor g = ctx.gradOutput(i);
            if (g != null) {
                float[] src = g.data();
                for (int r = 0; r < outer; r++) {
                    System.arraycopy(src, r * row, d, r * inRow + at, row);
                }
            }
            at += row;
        }
        return new Tensor[] {dx};
    }

    /**
     * Along {@code dim}, output {@code k} is the slab {@code [offset_k, offset_k + size_k)} of the input, so an input
     * index goes to the one piece that holds it, shifted back by the piece's offset; every other axis is shared by
     * the input and all outputs ({@link AxisSupport#split}).
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.split(node, node.input(0).shape().normalizeAxis(dim), from, axis, removed, links);
    }

    /**
     * When indices leave {@code dim}, each piece shrinks by the indices its output loses; throws
     * {@link IllegalStateException} naming the node when the input and the pieces would disagree.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int axis = node.input(0).shape().normalizeAxis(dim);
        int fromInput = cut.removed(Port.in(0), axis).size();
        if (fromInput == 0) {
            return this;
        }
        int[] newSizes = sizes.clone();
        int total = 0;
        for (int j = 0; j < sizes.length; j++) {
            int lost = cut.removed(Port.out(j), axis).size();
            newSizes[j] -= lost;
            total += lost;
        }
        if (total != fromInput) {
            throw new IllegalStateException("Split at " + node.name() + ": input loses " + fromInput
                    + " indices along dim " + dim + " but its pieces lose " + total);
        }
        return withSizes(newSizes);
    }

    /** {@code Split(dim=-1, sizes=(4, 4, 2))}. */
    @Override
    public String describe() {
        return "Split(dim=" + dim + ", sizes=" + LayoutSupport.tuple(sizes) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Split s && dim == s.dim && Arrays.equals(sizes, s.sizes);
    }

    @Override
    public int hashCode() {
        return 31 * dim + Arrays.hashCode(sizes);
    }

    @Override
    public String toString() {
        return describe();
    }
}
