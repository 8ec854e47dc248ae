package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

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

    /**
     * On the sliced dimension an input index on the slice's grid {@code start + k·step} inside {@code [start, end)}
     * is output index {@code k} ({@link Indices#window}); an output index {@code k} is input index
     * {@code start + k·step}. Input indices off the grid or outside the range have no output counterpart; they only
     * move the slice bounds ({@link #pruneAxes}). Every other axis is the identity.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        Shape in = node.input(0).shape();
        int d = in.normalizeAxis(dim);
        if (axis != d) {
            links.link(from.input() ? Port.out(0) : Port.in(0), axis, removed);
            return;
        }
        int size = in.dim(d);
        int s = resolvedStart(size);
        if (from.input()) {
            links.link(Port.out(0), d, removed.window(s, Math.max(s, clamp(end, size)), step));
        } else {
            links.link(Port.in(0), d, removed.map(k -> s + k * step));
        }
    }

    /**
     * Recomputes the bounds so the slice selects the same kept elements of the pruned input: start is the new
     * position of the first kept selected element and end follows its last one; a slice that ran to the input's
     * end still does (an end past it, e.g. {@link Long#MAX_VALUE}, is kept; an end equal to the size becomes the
     * new size). The step becomes the kept elements' spacing, which only changes when every gap between them lost
     * the same number of indices. Throws {@link IllegalStateException} naming the node and the positions when the
     * kept elements are no longer evenly spaced (a step above 1 with removals inside the range) or when input and
     * output removals disagree. An empty slice becomes {@code 0:0}.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Shape in = node.input(0).shape();
        int d = in.normalizeAxis(dim);
        Indices gone = cut.removed(Port.in(0), d);
        if (gone.isEmpty()) {
            return this;
        }
        int size = in.dim(d);
        int s = resolvedStart(size);
        int n = length(size);
        if (n == 0) {
            return new Slice(dim, 0, 0, step); // stays empty whatever the new size (bounds of mixed signs might not)
        }
        int[] kept = new int[n];
        int count = 0;
        int below = 0;
        int next = 0;
        int[] goneIdx = gone.indices();
        Indices outGone = cut.removed(Port.out(0), d);
        for (int k = 0; k < n; k++) {
            int p = s + k * step;
            while (next < goneIdx.length && goneIdx[next] < p) {
                next++;
                below++;
            }
            boolean removed = next < goneIdx.length && goneIdx[next] == p;
            if (removed != outGone.contains(k)) {
                throw new IllegalStateException("Slice at " + node.name() + ": input index " + p + " along dim " + dim
                        + " is " + (removed ? "" : "not ") + "removed but output index " + k + " is"
                        + (removed ? " not" : ""));
            }
            if (!removed) {
                kept[count++] = p - below;
            }
        }
        kept = Arrays.copyOf(kept, count);
        if (count == 0) {
            throw new IllegalStateException("Slice at " + node.name() + " would select nothing along dim " + dim
                    + " after removing input indices " + gone);
        }
        int newStep = count == 1 ? step : kept[1] - kept[0];
        for (int i = 1; i < count; i++) {
            if (kept[i] - kept[i - 1] != newStep) {
                throw new IllegalStateException("Slice at " + node.name() + " (" + describe() + ") of input "
                        + in + ": removing input indices " + gone + " along dim " + dim + " leaves the selected"
                        + " elements at positions " + Arrays.toString(kept) + ", which no strided slice selects");
            }
        }
        int newSize = size - gone.size();
        int first = kept[0];
        boolean open = clamp(end, size) == size
                && (newSize - first + newStep - 1) / newStep == count;
        long newEnd = !open ? kept[count - 1] + 1 : end > size ? end : newSize;
        return new Slice(dim, first, newEnd, newStep);
    }

    /** {@code Slice(dim=1, start=0, end=1, step=1)}; an open end prints as {@code end=None}. */
    @Override
    public String describe() {
        return "Slice(dim=" + dim + ", start=" + start + ", end=" + (end == Long.MAX_VALUE ? "None" : Long.toString(end))
                + ", step=" + step + ")";
    }
}
