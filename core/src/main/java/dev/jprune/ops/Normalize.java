package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code F.normalize(x, p=2, dim, eps)}, any shape: each vector along {@code dim} divided by its Euclidean norm,
 * {@code x / max(‖x‖₂, eps)}, as in Swin V2's cosine attention on queries and keys. The sum of squares is taken in
 * double, the norm rounded to float and clamped, and the division done in float, as PyTorch's
 * {@code x / x.norm(2, dim, keepdim=True).clamp_min(eps)}. Only {@code p = 2} exists. Torch-Pruning counts no ops
 * for it (a function).
 *
 * @param dim the dimension normalised over (negative counts from the end)
 * @param eps the lower bound of the divisor, positive ({@code 1e-12} in PyTorch)
 */
public record Normalize(int dim, double eps) implements Op {

    /** Rejects a non-positive or non-finite {@code eps}. */
    public Normalize {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("Normalize: eps must be positive and finite, got " + eps);
        }
    }

    /** PyTorch's default {@code eps = 1e-12} over {@code dim}. */
    public static Normalize of(int dim) {
        return new Normalize(dim, 1e-12);
    }

    @Override
    public String type() {
        return "Normalize";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        LayoutSupport.normalizeDim(this, dim, inputs[0].rank());
        return new Shape[] {inputs[0]};
    }

    /** The clamped norm of the vector at {@code base} with {@code len} entries {@code inner} apart, in float. */
    private float norm(float[] x, int base, int len, int inner) {
        double sum = 0;
        for (int k = 0; k < len; k++) {
            double v = x[base + k * inner];
            sum += v * v;
        }
        return Math.max((float) Math.sqrt(sum), (float) eps);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape s = x.shape();
        int ax = s.normalizeAxis(dim);
        int len = s.dim(ax);
        int inner = s.product(ax + 1, s.rank());
        int outer = s.product(0, ax);
        Tensor out = Tensor.zeros(s);
        float[] in = x.data();
        float[] o = out.data();
        ElementwiseSupport.forItems(outer * inner, Math.max(len, 1), item -> {
            int base = (item / inner) * len * inner + item % inner;
            float n = norm(in, base, len, inner);
            for (int k = 0; k < len; k++) {
                int idx = base + k * inner;
                o[idx] = in[idx] / n;
            }
        });
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * With {@code n = max(‖x‖, eps)} and {@code y = x / n}: {@code dx = (dy − y·Σ dy·y) / n} where the norm exceeds
     * {@code eps}, and {@code dx = dy / eps} where the clamp holds it constant; the sum in double.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        Shape s = x.shape();
        int ax = s.normalizeAxis(dim);
        int len = s.dim(ax);
        int inner = s.product(ax + 1, s.rank());
        int outer = s.product(0, ax);
        Tensor dxT = Tensor.zeros(s);
        float[] in = x.data();
        float[] dy = ctx.gradOutput(0).data();
        float[] dx = dxT.data();
        ElementwiseSupport.forItems(outer * inner, Math.max(len, 1), item -> {
            int base = (item / inner) * len * inner + item % inner;
            float n = norm(in, base, len, inner);
            boolean clamped = n == (float) eps;
            double dot = 0;
            if (!clamped) {
                for (int k = 0; k < len; k++) {
                    int idx = base + k * inner;
                    dot += (double) dy[idx] * (in[idx] / n);
                }
            }
            for (int k = 0; k < len; k++) {
                int idx = base + k * inner;
                dx[idx] = (float) ((dy[idx] - (in[idx] / n) * dot) / n);
            }
        });
        return new Tensor[] {dxT};
    }

    /**
     * Identity on every axis, the normalised one included: input and output lose the same indices. Along the other
     * axes each vector is unchanged. Along {@code dim} an entry that is zero adds nothing to the norm, so removing
     * zeroed entries keeps every remaining output; removing non-zero ones renormalises over fewer terms.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Normalize(p=2.0, dim=" + dim + ", eps=" + ModuleRepr.pyFloat(eps) + ")";
    }
}
