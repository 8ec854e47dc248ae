package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * {@code torch.matmul} ({@code a @ b}) with its full rules:
 * <ul>
 *   <li>{@code (k) @ (k) → ()}: dot product;</li>
 *   <li>{@code (m, k) @ (k, n) → (m, n)};</li>
 *   <li>a 1-D {@code a} is treated as {@code (1, k)} and the 1 is removed from the result; a 1-D {@code b} as
 *       {@code (k, 1)}, likewise;</li>
 *   <li>otherwise batched: {@code (*A, m, k) @ (*B, k, n) → (broadcast(*A, *B), m, n)}, the batch dimensions
 *       broadcast as in NumPy, e.g. {@code (2, 1, 3, 4) @ (5, 4, 6) → (2, 5, 3, 6)}.</li>
 * </ul>
 * One GEMM per output matrix; broadcast operands are read in place, never copied. Torch-Pruning counts no ops for it
 * (it is a function, not a module); {@link #macs} gives the products.
 */
public record MatMul() implements Op {

    /** Axis roles for {@link #linkAxes} (negative: not broadcast batch axes). */
    private static final int ROW = -1;
    private static final int INNER = -2;
    private static final int COLUMN = -3;

    @Override
    public String type() {
        return "MatMul";
    }

    /** The resolved problem: batch shape, m, k, n, and whether each operand was 1-D. */
    private record Plan(Shape batch, Shape batchA, Shape batchB, int m, int k, int n, boolean vecA, boolean vecB, Shape out) {
    }

    private Plan plan(Shape a, Shape b) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("MatMul expects operands of at least 1 dimension, got " + a + " @ " + b);
        }
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        int m = vecA ? 1 : a.dim(-2);
        int k = a.dim(-1);
        int kb = vecB ? b.dim(0) : b.dim(-2);
        int n = vecB ? 1 : b.dim(-1);
        if (k != kb) {
            throw new IllegalArgumentException("MatMul: inner dimensions differ in " + a + " @ " + b + ": expected "
                    + (vecB ? "b of size " : "b's dimension -2 to be ") + k + ", got " + kb);
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.dims(), Math.max(0, a.rank() - 2)));
        Shape batchB = Shape.of(Arrays.copyOf(b.dims(), Math.max(0, b.rank() - 2)));
        int rank = Math.max(batchA.rank(), batchB.rank());
        int[] batch = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - batchA.rank() ? 1 : batchA.dim(i - (rank - batchA.rank()));
            int db = i < rank - batchB.rank() ? 1 : batchB.dim(i - (rank - batchB.rank()));
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("MatMul: batch dimensions " + batchA + " and " + batchB + " of " + a
                        + " @ " + b + " do not broadcast (expected equal sizes or 1)");
            }
            batch[i] = da == 1 ? db : da;
        }
        int[] out = Arrays.copyOf(batch, rank + (vecA ? 0 : 1) + (vecB ? 0 : 1));
        int at = rank;
        if (!vecA) {
            out[at++] = m;
        }
        if (!vecB) {
            out[at] = n;
        }
        return new Plan(Shape.of(batch), batchA, batchB, m, k, n, vecA, vecB, Shape.of(out));
    }

    /** See the class comment for the rules. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 2);
        return new Shape[] {plan(inputs[0], inputs[1]).out()};
    }

    /** One GEMM per output matrix, in parallel over the batch. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor a = inputs[0];
        Tensor b = inputs[1];
        Plan p = plan(a.shape(), b.shape());
        Tensor out = Tensor.zeros(p.out());
        int m = p.m();
        int k = p.k();
        int n = p.n();
        int[] offA = LayoutSupport.batchOffsets(p.batch(), p.batchA(), m * k);
        int[] offB = LayoutSupport.batchOffsets(p.batch(), p.batchB(), k * n);
        float[] ad = a.data();
        float[] bd = b.data();
        float[] o = out.data();
        Kernels kern = ctx.kernels();
        if (offA.length == 1) {
            kern.gemm(false, false, m, n, k, ad, offA[0], k, bd, offB[0], n, 0f, o, 0, n);
        } else {
            Parallel.forRange(offA.length, i ->
                    kern.gemm(false, false, m, n, k, ad, offA[i], k, bd, offB[i], n, 0f, o, i * m * n, n));
        }
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * Per output matrix {@code i}: {@code dA_i += dC_i·B_iᵀ} and {@code dB_i += A_iᵀ·dC_i} by GEMM. Output matrices
     * that read the same (broadcast) operand matrix are summed into it in batch order; distinct operand matrices are
     * processed in parallel. A 1-D operand's gradient has its 1-D shape (same layout as {@code (1, k)} / {@code (k, 1)}).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor a = ctx.input(0);
        Tensor b = ctx.input(1);
        Plan p = plan(a.shape(), b.shape());
        int m = p.m();
        int k = p.k();
        int n = p.n();
        int[] offA = LayoutSupport.batchOffsets(p.batch(), p.batchA(), m * k);
        int[] offB = LayoutSupport.batchOffsets(p.batch(), p.batchB(), k * n);
        float[] ad = a.data();
        float[] bd = b.data();
        float[] dc = ctx.gradOutput(0).data();
        Kernels kern = ctx.kernels();
        Tensor da = null;
        Tensor db = null;
        if (ctx.needsInputGrad(0)) {
            da = Tensor.zeros(a.shape());
            float[] d = da.data();
            int[][] groups = LayoutSupport.groupByOffset(offA);
            forEachGroup(groups, group -> {
                for (int i : group) {
                    kern.gemm(false, true, m, k, n, dc, i * m * n, n, bd, offB[i], n, 1f, d, offA[i], k);
                }
            });
        }
        if (ctx.needsInputGrad(1)) {
            db = Tensor.zeros(b.shape());
            float[] d = db.data();
            int[][] groups = LayoutSupport.groupByOffset(offB);
            forEachGroup(groups, group -> {
                for (int i : group) {
                    kern.gemm(true, false, k, n, m, ad, offA[i], k, dc, i * m * n, n, 1f, d, offB[i], n);
                }
            });
        }
        return new Tensor[] {da, db};
    }

    /** Runs {@code body} on each group, in parallel when there are several (a single one parallelises in its GEMMs). */
    private static void forEachGroup(int[][] groups, Consumer<int[]> body) {
        if (groups.length == 1) {
            body.accept(groups[0]);
        } else {
            Parallel.forRange(groups.length, g -> body.accept(groups[g]));
        }
    }

    /** {@code batch·m·k·n} multiply-accumulates. */
    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        Plan p = plan(inputs[0], inputs[1]);
        return p.batch().numelLong() * p.m() * p.k() * p.n();
    }

    /**
     * For {@code a (*A, n, k) @ b (*B, k, m) → (*, n, m)}: {@code k} of {@code a} with {@code k} of {@code b} (the
     * contraction, whose terms leave the sum), {@code n} of {@code a} with {@code n} of the output, {@code m} of
     * {@code b} with {@code m} of the output, and the batch axes element-wise, aligned from the right as they
     * broadcast (an operand of size 1 there is not coupled). A 1-D operand has only its {@code k} axis. No
     * parameters, so {@link #pruneAxes} has nothing to slice.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        Shape a = node.input(0).shape();
        Shape b = node.input(1).shape();
        Shape out = node.output(0).shape();
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        int batch = out.rank() - (vecA ? 0 : 1) - (vecB ? 0 : 1);
        int[] ra = new int[a.rank()];
        int[] rb = new int[b.rank()];
        int[] ro = new int[out.rank()];
        batchRoles(ra, vecA ? 0 : a.rank() - 2, batch);
        batchRoles(rb, vecB ? 0 : b.rank() - 2, batch);
        batchRoles(ro, batch, batch);
        ra[a.rank() - 1] = INNER;
        if (!vecA) {
            ra[a.rank() - 2] = ROW;
            ro[batch] = ROW;
        }
        if (vecB) {
            rb[0] = INNER;
        } else {
            rb[b.rank() - 2] = INNER;
            rb[b.rank() - 1] = COLUMN;
            ro[out.rank() - 1] = COLUMN;
        }
        AxisSupport.byRole(node, from, axis, removed, links, new int[][] {ra, rb, ro});
    }

    /** Batch axis {@code i} of an operand with {@code rank} batch axes is output batch axis {@code i + batch − rank}. */
    private static void batchRoles(int[] roles, int rank, int batch) {
        for (int i = 0; i < rank; i++) {
            roles[i] = i + batch - rank;
        }
    }

    /** {@code MatMul()}. */
    @Override
    public String describe() {
        return "MatMul()";
    }
}
