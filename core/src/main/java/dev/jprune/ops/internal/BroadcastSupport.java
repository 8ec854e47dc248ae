package dev.jprune.ops.internal;

import dev.jprune.exec.BackwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.Shapes;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * The plumbing of the broadcasting arithmetic ops ({@code Add}, {@code Sub}, {@code Mul}, {@code Div}): their
 * forward as one row loop per operator over {@link ElementwiseSupport#broadcast}, and {@link #reduceTo}, which sums
 * a gradient of the broadcast shape back to an operand's shape (PyTorch's {@code sum_to_size}).
 */
public final class BroadcastSupport {

    /** The four arithmetic operators. */
    public enum Arithmetic {
        /** {@code a + b}. */
        ADD,
        /** {@code a − b}. */
        SUB,
        /** {@code a · b}. */
        MUL,
        /** {@code a / b} (IEEE: {@code x / 0} is ±inf or NaN). */
        DIV
    }

    private BroadcastSupport() {
    }

    /** Exactly two inputs; their broadcast shape, or an exception naming {@code op}. */
    public static Shape[] binaryShape(Op op, Shape[] inputs) {
        Shapes.requireCount(op, inputs, 2);
        return new Shape[] {Shapes.broadcast(op, inputs[0], inputs[1])};
    }

    /** {@code a ∘ b} with broadcasting into a new tensor; the inputs are only read. */
    public static Tensor apply(Op op, Arithmetic kind, Tensor a, Tensor b, Kernels k) {
        return ElementwiseSupport.broadcast(op, a, b, (x, xOff, xStep, y, yOff, yStep, out, outOff, n) ->
                row(kind, k, x, xOff, xStep, y, yOff, yStep, out, outOff, n));
    }

    /** One run: steps are 0 (broadcast) or 1; contiguous add and multiply go to the kernels. */
    private static void row(Arithmetic kind, Kernels k, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep,
                            float[] out, int outOff, int n) {
        boolean contiguous = aStep == 1 && bStep == 1;
        switch (kind) {
            case ADD:
                if (contiguous) {
                    k.add(a, aOff, b, bOff, out, outOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        out[outOff + i] = a[aOff + i * aStep] + b[bOff + i * bStep];
                    }
                }
                break;
            case SUB:
                for (int i = 0; i < n; i++) {
                    out[outOff + i] = a[aOff + i * aStep] - b[bOff + i * bStep];
                }
                break;
            case MUL:
                if (contiguous) {
                    k.mul(a, aOff, b, bOff, out, outOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        out[outOff + i] = a[aOff + i * aStep] * b[bOff + i * bStep];
                    }
                }
                break;
            default:
                for (int i = 0; i < n; i++) {
                    out[outOff + i] = a[aOff + i * aStep] / b[bOff + i * bStep];
                }
        }
    }

    /**
     * The input gradients of {@code a ∘ b} for the output gradient, each summed back to its operand's shape
     * ({@code null} where not needed): add {@code (dy, dy)}, sub {@code (dy, −dy)}, mul {@code (dy·b, dy·a)}, div
     * {@code (dy/b, −(dy/b)·a/b)} as PyTorch's derivatives. Mul and div read the saved inputs.
     */
    public static Tensor[] backward(Op op, Arithmetic kind, Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape sa = node.input(0).shape();
        Shape sb = node.input(1).shape();
        boolean needA = ctx.needsInputGrad(0);
        boolean needB = ctx.needsInputGrad(1);
        if (kind == Arithmetic.ADD || kind == Arithmetic.SUB) {
            Tensor db = needB ? reduceTo(dy, sb) : null;
            return new Tensor[] {needA ? reduceTo(dy, sa) : null, kind == Arithmetic.SUB && db != null ? scaled(db, -1f) : db};
        }
        Kernels k = ctx.kernels();
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        if (kind == Arithmetic.MUL) {
            return new Tensor[] {
                needA ? reduceTo(apply(op, Arithmetic.MUL, dy, b, k), sa) : null,
                needB ? reduceTo(apply(op, Arithmetic.MUL, dy, a, k), sb) : null};
        }
        Tensor q = apply(op, Arithmetic.DIV, dy, b, k);
        Tensor db = needB ? scaled(reduceTo(apply(op, Arithmetic.DIV, apply(op, Arithmetic.MUL, q, a, k), b, k), sb), -1f) : null;
        return new Tensor[] {needA ? reduceTo(q, sa) : null, db};
    }

    /** A new tensor {@code s · t}. */
    public static Tensor scaled(Tensor t, float s) {
        Tensor out = Tensor.zeros(t.shape());
        float[] in = t.data();
        float[] o = out.data();
        for (int i = 0; i < o.length; i++) {
            o[i] = s * in[i];
        }
        return out;
    }

    /**
     * Sums {@code g} (of a broadcast shape) over the dimensions along which an operand of shape {@code target} was
     * broadcast: leading dimensions {@code target} lacks and dimensions where {@code target} has size 1. Returns
     * {@code g} itself when the shapes are equal (callers never modify gradients in place), otherwise a new tensor.
     * Work is split over the target's elements (or rows) in blocks fixed by the shapes, and each target element is
     * summed in one fixed order, so the result does not depend on the thread count.
     */
    public static Tensor reduceTo(Tensor g, Shape target) {
        Shape gs = g.shape();
        if (gs.equals(target)) {
            return g;
        }
        int rank = gs.rank();
        int lead = rank - target.rank();
        if (lead < 0) {
            throw new IllegalArgumentException("cannot reduce a gradient of shape " + gs + " to the larger shape " + target);
        }
        Tensor out = Tensor.zeros(target);
        if (out.numel() == 0 || g.numel() == 0) {
            return out;
        }
        // Collapse dimensions into runs that are all kept or all reduced and contiguous in g.
        int[] gStride = gs.strides();
        int[] size = new int[rank];
        int[] stride = new int[rank];
        boolean[] kept = new boolean[rank];
        int m = 0;
        for (int i = 0; i < rank; i++) {
            int d = gs.dim(i);
            if (d == 1) {
                continue;
            }
            int td = i < lead ? 1 : target.dim(i - lead);
            if (td != 1 && td != d) {
                throw new IllegalArgumentException("cannot reduce a gradient of shape " + gs + " to shape " + target);
            }
            boolean keep = td != 1;
            if (m > 0 && kept[m - 1] == keep && stride[m - 1] == gStride[i] * d) {
                size[m - 1] *= d;
                stride[m - 1] = gStride[i];
            } else {
                size[m] = d;
                stride[m] = gStride[i];
                kept[m] = keep;
                m++;
            }
        }
        float[] src = g.data();
        float[] dst = out.data();
        boolean rowsKept = m > 0 && kept[m - 1];
        int run = m == 0 ? 1 : size[m - 1];
        int outer = m == 0 ? 0 : m - 1;
        int combos = 1;
        for (int d = 0; d < outer; d++) {
            if (!kept[d]) {
                combos *= size[d];
            }
        }
        int reducedCombos = combos;
        int items = rowsKept ? dst.length / run : dst.length;
        int cost = (int) Math.min(Integer.MAX_VALUE, (long) combos * run);
        ElementwiseSupport.forItems(items, cost, item -> {
            int base = offset(item, outer, size, stride, kept, true);
            if (rowsKept) {
                int o = item * run;
                for (int c = 0; c < reducedCombos; c++) {
                    int off = base + offset(c, outer, size, stride, kept, false);
                    for (int i = 0; i < run; i++) {
                        dst[o + i] += src[off + i];
                    }
                }
            } else {
                double acc = 0;
                for (int c = 0; c < reducedCombos; c++) {
                    int off = base + offset(c, outer, size, stride, kept, false);
                    for (int i = 0; i < run; i++) {
                        acc += src[off + i];
                    }
                }
                dst[item] = (float) acc;
            }
        });
        return out;
    }

    /** The offset in g of mixed-radix index {@code idx} over the first {@code dims} collapsed dims of one kind. */
    private static int offset(int idx, int dims, int[] size, int[] stride, boolean[] kept, boolean keptKind) {
        int off = 0;
        int r = idx;
        for (int d = dims - 1; d >= 0; d--) {
            if (kept[d] == keptKind) {
                off += (r % size[d]) * stride[d];
                r /= size[d];
            }
        }
        return off;
    }
}
