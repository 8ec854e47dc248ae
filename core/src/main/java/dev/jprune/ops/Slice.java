package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * Basic slicing {@code x[..., start:end:step, ...]} along one dimension (Python/PyTorch semantics), e.g. the class
 * token {@code (N, 1 + L, E) → (N, 1, E)} with {@code dim 1, 0:1}. Negative {@code start}/{@code end} count from the
 * end; after that both are clamped to {@code [0, size]}, so out-of-range bounds never fail, and {@code end <= start}
 * gives an empty dimension. Use {@link Long#MAX_VALUE} for "to the end" ({@code x[1:]}), which also covers ONNX's
 * {@code INT64_MAX}. Only positive steps exist, as in PyTorch. The output is a copy (PyTorch returns a view).
 *
 * @param dim   the sliced dimension (negative counts from the end)
 * @param start first index (inclusive)
 * @param end   end index (exclusive)
 * @param step  stride, at least 1
 */
public record Slice(int dim, long start, long end, int step) implements Op {

    /** Validates the step. */
    public Slice {
        if (step < 1) {
            throw new IllegalArgumentException("Slice: step must be positive, got " + step);
        }
    }

    /** {@code x[..., start:end, ...]} along {@code dim}, step 1. */
    public static Slice of(int dim, long start, long end) {
        return new Slice(dim, start, end, 1);
    }

    /** The clamped first index for a dimension of {@code size}. */
    public int resolvedStart(int size) {
        return clamp(start, size);
    }

    /** The number of indices taken from a dimension of {@code size}: {@code ceil((end − start) / step)}, at least 0. */
    public int length(int size) {
        int s = clamp(start, size);
        int e = clamp(end, size);
        return e <= s ? 0 : (e - s + step - 1) / step;
    }

    private static int clamp(long index, int size) {
        long i = index < 0 ? index + size : index;
        return (int) Math.max(0, Math.min(size, i));
    }

    @Override
    public String type() {
        return "Slice";
    }

    /** The input shape with the sliced length along {@code dim}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int axis = LayoutSupport.normalizeDim(this, dim, in.rank());
        return new Shape[] {in.with(axis, length(in.dim(axis)))};
    }

    /** Copies the selected indices into a new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape in = x.shape();
        int axis = in.normalizeAxis(dim);
        int size = in.dim(axis);
        Shape os = in.with(axis, length(size));
        Tensor out = Tensor.zeros(os);
        int[] srcStrides = in.strides();
        int offset = resolvedStart(size) * srcStrides[axis];
        srcStrides[axis] *= step;
        LayoutSupport.copy(x.data(), offset, srcStrides, out.data(), 0, os.strides(), os.dims());
        return new Tensor[] {out};
    }

    /** The output gradient scattered back to the selected (strided) indices of a zero tensor of the input's shape. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape in = node.input(0).shape();
        Shape os = dy.shape();
        int axis = in.normalizeAxis(dim);
        Tensor dx = Tensor.zeros(in);
        int[] dstStrides = in.strides();
        int offset = resolvedStart(in.dim(axis)) * dstStrides[axis];
        dstStrides[axis] *= step;
        LayoutSupport.copy(dy.data(), 0, os.strides(), dx.data(), offset, dstStrides, os.dims());
        return new Tensor[] {dx};
    }

    /** {@code Slice(dim=1, start=0, end=1, step=1)}; an open end prints as {@code end=None}. */
    @Override
    public String describe() {
        return "Slice(dim=" + dim + ", start=" + start + ", end=" + (end == Long.MAX_VALUE ? "None" : Long.toString(end))
                + ", step=" + step + ")";
    }
}
