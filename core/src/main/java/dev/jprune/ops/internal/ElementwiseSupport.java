package dev.jprune.ops.internal;

import dev.jprune.exec.BackwardContext;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.Shapes;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.function.IntConsumer;

/**
 * Loops shared by the element-wise ops: a unary map and a NumPy-broadcasting binary loop, both split into blocks
 * of {@link #BLOCK} elements chosen from the problem size alone, so results never depend on the thread count.
 * Outputs are always newly allocated; inputs are only read.
 */
public final class ElementwiseSupport {

    /** Elements per parallel block. */
    public static final int BLOCK = 1 << 15;

    private ElementwiseSupport() {
    }

    /** A unary function over {@code in[from .. to)} written to the same positions of {@code out}. */
    @FunctionalInterface
    public interface RangeFn {
        /** Writes {@code out[i] = f(in[i])} for {@code from <= i < to}. */
        void apply(float[] in, float[] out, int from, int to);
    }

    /**
     * One contiguous output run of a broadcast binary op: {@code out[outOff + i] = f(a[aOff + i·aStep],
     * b[bOff + i·bStep])} for {@code i < n}. Each step is 1 (the operand runs along the output) or 0 (the operand
     * is broadcast: one element for the whole run).
     */
    @FunctionalInterface
    public interface RowFn {
        /** Computes one run of {@code n} outputs. */
        void apply(float[] a, int aOff, int aStep, float[] b, int bOff, int bStep, float[] out, int outOff, int n);
    }

    /**
     * A unary backward over {@code [from, to)}: {@code dx[i]} from the saved forward tensor {@code t[i]} (input or
     * output, as the op declares) and the output gradient {@code dy[i]}.
     */
    @FunctionalInterface
    public interface GradFn {
        /** Writes {@code dx[i]} for {@code from <= i < to}. */
        void apply(float[] t, float[] dy, float[] dx, int from, int to);
    }

    /** Throws unless there is exactly one input; returns its shape (the output shape of a unary element-wise op). */
    public static Shape[] sameShape(Op op, Shape[] inputs) {
        Shapes.requireCount(op, inputs, 1);
        return new Shape[] {inputs[0]};
    }

    /** A new tensor of {@code x}'s shape holding {@code fn} applied to every element, in parallel blocks. */
    public static Tensor map(Tensor x, RangeFn fn) {
        Tensor out = Tensor.zeros(x.shape());
        float[] in = x.data();
        float[] o = out.data();
        int n = in.length;
        Parallel.forRange(blocks(n, BLOCK), blk -> {
            int from = blk * BLOCK;
            fn.apply(in, o, from, Math.min(n, from + BLOCK));
        });
        return out;
    }

    /**
     * A new tensor of {@code saved}'s shape holding {@code fn}'s gradient for every element, in the same parallel
     * blocks as {@link #map}; {@code saved} and {@code dy} (same shape) are only read.
     */
    public static Tensor mapGrad(Tensor saved, Tensor dy, GradFn fn) {
        Tensor dx = Tensor.zeros(saved.shape());
        float[] t = saved.data();
        float[] g = dy.data();
        float[] d = dx.data();
        int n = t.length;
        Parallel.forRange(blocks(n, BLOCK), blk -> {
            int from = blk * BLOCK;
            fn.apply(t, g, d, from, Math.min(n, from + BLOCK));
        });
        return dx;
    }

    /**
     * A new tensor {@code out[r, …] = x[r, …] · scale[r]}: {@code x} viewed as {@code scale.length} equal rows (a
     * per-element scale when there are as many rows as elements), in the same parallel blocks as {@link #map}.
     */
    public static Tensor scaleRows(Tensor x, float[] scale) {
        Tensor out = Tensor.zeros(x.shape());
        int n = x.numel();
        if (n == 0) {
            return out;
        }
        int inner = n / scale.length;
        float[] in = x.data();
        float[] o = out.data();
        Parallel.forRange(blocks(n, BLOCK), blk -> {
            int i = blk * BLOCK;
            int to = Math.min(n, i + BLOCK);
            for (int r = i / inner; i < to; r++) {
                float f = scale[r];
                for (int end = Math.min(to, (r + 1) * inner); i < end; i++) {
                    o[i] = in[i] * f;
                }
            }
        });
        return out;
    }

    /**
     * The input gradient of a random row scaling (dropout, stochastic depth): {@code dy} scaled by the rows' scales
     * the forward stashed, or {@code dy} itself when it stashed none (eval mode, {@code p = 0}).
     */
    public static Tensor[] scaledGrad(BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        float[] scale = (float[]) ctx.stash();
        return new Tensor[] {scale == null ? dy : scaleRows(dy, scale)};
    }

    /** {@code ceil(n / size)}. */
    public static int blocks(int n, int size) {
        return (int) (((long) n + size - 1) / size);
    }

    /**
     * Runs {@code body(item)} for every item in {@code [0, items)}, grouping items into parallel blocks of about
     * {@link #BLOCK} elements of work when each item costs {@code cost} elements. The grouping depends only on the
     * arguments.
     */
    public static void forItems(int items, int cost, IntConsumer body) {
        int perBlock = Math.max(1, BLOCK / Math.max(1, cost));
        Parallel.forRange(blocks(items, perBlock), blk -> {
            int end = (int) Math.min(items, (long) (blk + 1) * perBlock);
            for (int i = blk * perBlock; i < end; i++) {
                body.accept(i);
            }
        });
    }

    /**
     * {@code f(a, b)} with NumPy/PyTorch broadcasting (shapes aligned from the right, size-1 dimensions repeated),
     * into a new tensor of the broadcast shape. Dimensions are first collapsed (size-1 output dimensions dropped,
     * neighbours merged where both operands are contiguous or both broadcast across them), so equal shapes become
     * one run of {@code numel} elements with both steps 1 and {@code (N, C, H, W) ⊙ (N, C, 1, 1)} becomes
     * {@code N·C} runs of {@code H·W} with the second operand's step 0.
     *
     * @throws IllegalArgumentException naming {@code op} when the shapes do not broadcast
     */
    public static Tensor broadcast(Op op, Tensor a, Tensor b, RowFn fn) {
        Shape os = Shapes.broadcast(op, a.shape(), b.shape());
        Tensor out = Tensor.zeros(os);
        int total = out.numel();
        if (total == 0) {
            return out;
        }
        int rank = os.rank();
        int[] od = os.dims();
        int[] as = alignedStrides(a.shape(), rank);
        int[] bs = alignedStrides(b.shape(), rank);
        int[] size = new int[rank];
        int[] sa = new int[rank];
        int[] sb = new int[rank];
        int m = 0;
        for (int i = 0; i < rank; i++) {
            if (od[i] == 1) {
                continue;
            }
            if (m > 0 && sa[m - 1] == as[i] * od[i] && sb[m - 1] == bs[i] * od[i]) {
                size[m - 1] *= od[i];
                sa[m - 1] = as[i];
                sb[m - 1] = bs[i];
            } else {
                size[m] = od[i];
                sa[m] = as[i];
                sb[m] = bs[i];
                m++;
            }
        }
        float[] ad = a.data();
        float[] bd = b.data();
        float[] o = out.data();
        if (m == 0) {
            fn.apply(ad, 0, 1, bd, 0, 1, o, 0, 1);
            return out;
        }
        int len = size[m - 1];
        int aStep = sa[m - 1];
        int bStep = sb[m - 1];
        int rows = total / len;
        int outer = m - 1;
        if (len > BLOCK) {
            int chunks = blocks(len, BLOCK);
            Parallel.forRange(rows * chunks, blk -> {
                int row = blk / chunks;
                int from = (blk % chunks) * BLOCK;
                int n = Math.min(len, from + BLOCK) - from;
                fn.apply(ad, rowOffset(row, outer, size, sa) + from * aStep, aStep,
                        bd, rowOffset(row, outer, size, sb) + from * bStep, bStep, o, row * len + from, n);
            });
        } else {
            forItems(rows, len, row -> {
                fn.apply(ad, rowOffset(row, outer, size, sa), aStep, bd, rowOffset(row, outer, size, sb), bStep,
                        o, row * len, len);
            });
        }
        return out;
    }

    /** Strides of {@code s} aligned to {@code rank} output dimensions, 0 where {@code s} is broadcast. */
    private static int[] alignedStrides(Shape s, int rank) {
        int[] st = s.strides();
        int lead = rank - s.rank();
        int[] out = new int[rank];
        for (int i = lead; i < rank; i++) {
            out[i] = s.dim(i - lead) == 1 ? 0 : st[i - lead];
        }
        return out;
    }

    /** The start offset, in an operand with collapsed strides {@code st}, of output row {@code row}. */
    private static int rowOffset(int row, int outer, int[] size, int[] st) {
        int off = 0;
        int r = row;
        for (int d = outer - 1; d >= 0; d--) {
            off += (r % size[d]) * st[d];
            r /= size[d];
        }
        return off;
    }
}
