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
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * {@code F.scaled_dot_product_attention(q, k, v, scale=scale)} without mask, dropout or causal masking:
 * {@code softmax(q·kᵀ·scale)·v} over the last two dimensions, with {@code q (*, L, D)}, {@code k (*, S, D)},
 * {@code v (*, S, Dv)} → {@code (*, L, Dv)}, typically {@code (N, H, L, D)}. The leading (batch) dimensions of the
 * three inputs broadcast, as in PyTorch's reference implementation. The softmax subtracts each row's maximum
 * (numerically stable) and sums in double precision.
 *
 * <p>Torch-Pruning counts no ops for it (a function); {@link #macs} gives the two matrix products.
 *
 * @param scale the factor applied to {@code q·kᵀ}; {@code null} (nullable) means PyTorch's default {@code 1/√D}
 */
public record ScaledDotProductAttention(Double scale) implements Op {

    /** Axis roles for {@link #linkAxes} (negative: not broadcast batch axes). */
    private static final int QUERIES = -1;
    private static final int KEY_DIM = -2;
    private static final int KEYS = -3;
    private static final int VALUE_DIM = -4;

    /** Rejects a non-finite scale. */
    public ScaledDotProductAttention {
        if (scale != null && !Double.isFinite(scale)) {
            throw new IllegalArgumentException("ScaledDotProductAttention: scale must be finite, got " + scale);
        }
    }

    /** The default scale {@code 1/√D}. */
    public static ScaledDotProductAttention of() {
        return new ScaledDotProductAttention(null);
    }

    @Override
    public String type() {
        return "ScaledDotProductAttention";
    }

    /** The broadcast batch shape of the three inputs (validated) and the matrix sizes. */
    private record Plan(Shape batch, Shape bq, Shape bk, Shape bv, int l, int s, int d, int dv, Shape out) {
    }

    private static Shape batchOf(Shape s) {
        return Shape.of(Arrays.copyOf(s.dims(), s.rank() - 2));
    }

    private Plan plan(Shape q, Shape k, Shape v) {
        if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2) {
            throw new IllegalArgumentException("ScaledDotProductAttention expects q (*, L, D), k (*, S, D), v (*, S, Dv)"
                    + " of at least 2 dimensions, got " + q + ", " + k + ", " + v);
        }
        if (k.dim(-1) != q.dim(-1)) {
            throw new IllegalArgumentException("ScaledDotProductAttention: k " + k + " must end in D = " + q.dim(-1)
                    + " as q " + q + ", got " + k.dim(-1));
        }
        if (v.dim(-2) != k.dim(-2)) {
            throw new IllegalArgumentException("ScaledDotProductAttention: v " + v + " must have S = " + k.dim(-2)
                    + " rows as k " + k + ", got " + v.dim(-2));
        }
        Shape bq = batchOf(q);
        Shape bk = batchOf(k);
        Shape bv = batchOf(v);
        Shape batch;
        try {
            batch = Shapes.broadcast(this, Shapes.broadcast(this, bq, bk), bv);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ScaledDotProductAttention: batch dimensions of q " + q + ", k " + k
                    + " and v " + v + " do not broadcast (expected equal sizes or 1)", e);
        }
        int[] out = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        out[batch.rank()] = q.dim(-2);
        out[batch.rank() + 1] = v.dim(-1);
        return new Plan(batch, bq, bk, bv, q.dim(-2), k.dim(-2), q.dim(-1), v.dim(-1), Shape.of(out));
    }

    /** {@code (*, L, Dv)} with the broadcast batch dimensions. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 3);
        return new Shape[] {plan(inputs[0], inputs[1], inputs[2]).out()};
    }

    /**
     * Per batch entry: scores by GEMM, a stable row softmax, then the weighted sum of {@code v} by GEMM. When recording
     * a tape, the probabilities {@code (batch, L, S)} are kept in one array and stashed for the backward.
     */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Plan p = plan(inputs[0].shape(), inputs[1].shape(), inputs[2].shape());
        int l = p.l();
        int s = p.s();
        int d = p.d();
        int dv = p.dv();
        float factor = (float) (scale != null ? scale : 1.0 / Math.sqrt(d));
        int[] offQ = LayoutSupport.batchOffsets(p.batch(), p.bq(), l * d);
        int[] offK = LayoutSupport.batchOffsets(p.batch(), p.bk(), s * d);
        int[] offV = LayoutSupport.batchOffsets(p.batch(), p.bv(), s * dv);
        Tensor out = Tensor.zeros(p.out());
        float[] q = inputs[0].data();
        float[] k = inputs[1].data();
        float[] v = inputs[2].data();
        float[] o = out.data();
        Kernels kern = ctx.kernels();
        float[] probs = ctx.recording() ? new float[offQ.length * l * s] : null;
        Parallel.forRange(offQ.length, b -> {
            float[] scores = probs != null ? probs : new float[l * s];
            int at = probs != null ? b * l * s : 0;
            kern.gemm(false, true, l, s, d, q, offQ[b], d, k, offK[b], d, 0f, scores, at, s);
            for (int r = 0; r < l; r++) {
                softmaxRow(scores, at + r * s, s, factor);
            }
            kern.gemm(false, false, l, dv, s, scores, at, s, v, offV[b], dv, 0f, o, b * l * dv, dv);
        });
        ctx.stash(probs);
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * With {@code P} the stashed probabilities and {@code c} the scale, per batch entry:
     * {@code dV += Pᵀ·dO}, {@code dP = dO·Vᵀ}, {@code dS = c·P ⊙ (dP − rowsum(dP ⊙ P))}, {@code dQ += dS·K},
     * {@code dK += dSᵀ·Q}, each product by GEMM. Broadcast inputs sum over the entries that read them; the batch runs
     * in parallel only when no input is broadcast (so no two entries write the same gradient matrix).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor tq = ctx.input(0);
        Tensor tk = ctx.input(1);
        Tensor tv = ctx.input(2);
        Plan p = plan(tq.shape(), tk.shape(), tv.shape());
        int l = p.l();
        int s = p.s();
        int d = p.d();
        int dv = p.dv();
        float factor = (float) (scale != null ? scale : 1.0 / Math.sqrt(d));
        int count = p.batch().numel();
        int[] offQ = LayoutSupport.batchOffsets(p.batch(), p.bq(), l * d);
        int[] offK = LayoutSupport.batchOffsets(p.batch(), p.bk(), s * d);
        int[] offV = LayoutSupport.batchOffsets(p.batch(), p.bv(), s * dv);
        float[] probs = (float[]) ctx.stash();
        if (probs == null) {
            throw new IllegalStateException("ScaledDotProductAttention at " + node.name()
                    + ": no probabilities were stashed; run the forward with a recording context");
        }
        float[] q = tq.data();
        float[] k = tk.data();
        float[] v = tv.data();
        float[] dOut = ctx.gradOutput(0).data();
        Tensor dq = ctx.needsInputGrad(0) ? Tensor.zeros(tq.shape()) : null;
        Tensor dk = ctx.needsInputGrad(1) ? Tensor.zeros(tk.shape()) : null;
        Tensor dvT = ctx.needsInputGrad(2) ? Tensor.zeros(tv.shape()) : null;
        Kernels kern = ctx.kernels();
        IntConsumer entry = b -> {
            int at = b * l * s;
            int oOff = b * l * dv;
            if (dvT != null) {
                kern.gemm(true, false, s, dv, l, probs, at, s, dOut, oOff, dv, 1f, dvT.data(), offV[b], dv);
            }
            if (dq == null && dk == null) {
                return;
            }
            float[] ds = new float[l * s];
            kern.gemm(false, true, l, s, dv, dOut, oOff, dv, v, offV[b], dv, 0f, ds, 0, s);
            for (int r = 0; r < l; r++) {
                int row = r * s;
                double dot = 0;
                for (int j = 0; j < s; j++) {
                    dot += (double) ds[row + j] * probs[at + row + j];
                }
                float dt = (float) dot;
                for (int j = 0; j < s; j++) {
                    ds[row + j] = factor * probs[at + row + j] * (ds[row + j] - dt);
                }
            }
            if (dq != null) {
                kern.gemm(false, false, l, d, s, ds, 0, s, k, offK[b], d, 1f, dq.data(), offQ[b], d);
            }
            if (dk != null) {
                kern.gemm(true, false, s, d, l, ds, 0, s, q, offQ[b], d, 1f, dk.data(), offK[b], d);
            }
        };
        boolean broadcast = p.bq().numel() != count || p.bk().numel() != count || p.bv().numel() != count;
        if (broadcast) {
            for (int b = 0; b < count; b++) {
                entry.accept(b);
            }
        } else {
            Parallel.forRange(count, entry);
        }
        return new Tensor[] {dq, dk, dvT};
    }

    /** {@code row ← softmax(row·factor)} in place, subtracting the maximum first. */
    private static void softmaxRow(float[] x, int off, int n, float factor) {
        if (n == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            x[off + i] *= factor;
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(x[off + i] - max);
            x[off + i] = (float) e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** {@code batch·L·S·D + batch·L·S·Dv}: the two matrix products. */
    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        Plan p = plan(inputs[0], inputs[1], inputs[2]);
        return p.batch().numelLong() * p.l() * p.s() * ((long) p.d() + p.dv());
    }

    /**
     * For {@code q (*, L, D)}, {@code k (*, S, D)}, {@code v (*, S, Dv)} → {@code out (*, L, Dv)}: the batch axes
     * (batch and heads) are shared by all four, aligned from the right as they broadcast (an operand of size 1 there
     * is not coupled); {@code D} of {@code q} with {@code D} of {@code k} (the score contraction), {@code Dv} of
     * {@code v} with {@code Dv} of the output, {@code L} of {@code q} with {@code L} of the output, and {@code S} of
     * {@code k} with {@code S} of {@code v}.
     *
     * <p>With the default scale ({@code scale == null}) the factor is {@code 1/√D} of the current shape, so pruning
     * {@code D} changes it, as it does in PyTorch when the module's head dimension shrinks: the function changes by
     * design. No parameters, so {@link #pruneAxes} has nothing to slice.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        Shape[] s = {node.input(0).shape(), node.input(1).shape(), node.input(2).shape(), node.output(0).shape()};
        int[][] last = {{QUERIES, KEY_DIM}, {KEYS, KEY_DIM}, {KEYS, VALUE_DIM}, {QUERIES, VALUE_DIM}};
        int batch = s[3].rank() - 2;
        int[][] roles = new int[4][];
        for (int p = 0; p < 4; p++) {
            int rank = s[p].rank();
            roles[p] = new int[rank];
            for (int i = 0; i < rank - 2; i++) {
                roles[p][i] = i + batch - (rank - 2);
            }
            roles[p][rank - 2] = last[p][0];
            roles[p][rank - 1] = last[p][1];
        }
        AxisSupport.byRole(node, from, axis, removed, links, roles);
    }

    /** {@code ScaledDotProductAttention(scale=None)} or with the given scale. */
    @Override
    public String describe() {
        return "ScaledDotProductAttention(scale=" + (scale == null ? "None" : ModuleRepr.pyFloat(scale)) + ")";
    }
}
