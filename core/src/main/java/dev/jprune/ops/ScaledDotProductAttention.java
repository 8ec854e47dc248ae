package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

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

    /** Per batch entry: scores by GEMM, a stable row softmax, then the weighted sum of {@code v} by GEMM. */
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
        Parallel.forRange(offQ.length, b -> {
            float[] scores = new float[l * s];
            kern.gemm(false, true, l, s, d, q, offQ[b], d, k, offK[b], d, 0f, scores, 0, s);
            for (int r = 0; r < l; r++) {
                softmaxRow(scores, r * s, s, factor);
            }
            kern.gemm(false, false, l, dv, s, scores, 0, s, v, offV[b], dv, 0f, o, b * l * dv, dv);
        });
        return new Tensor[] {out};
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

    /** {@code ScaledDotProductAttention(scale=None)} or with the given scale. */
    @Override
    public String describe() {
        return "ScaledDotProductAttention(scale=" + (scale == null ? "None" : ModuleRepr.pyFloat(scale)) + ")";
    }
}
