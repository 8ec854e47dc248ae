package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.NormSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * {@code nn.LayerNorm} over the trailing dimensions: an input {@code (*, D1, …, Dk)} ending in
 * {@code normalizedShape = (D1, …, Dk)}, for example {@code (N, L, C)} with normalized shape {@code (C,)} in a
 * vision transformer. Each row of {@code D1·…·Dk} elements is normalized with its own mean and biased variance
 * (computed in double), {@code (x − mean) / sqrt(var + eps)}, then scaled by {@code weight} and shifted by
 * {@code bias} (both of the normalized shape) when {@code elementwiseAffine}. Same in train and eval mode.
 */
public record LayerNorm(Shape normalizedShape, double eps, boolean elementwiseAffine) implements Op {

    /** Validates the normalized shape (rank at least 1, positive dimensions) and {@code eps} (finite, non-negative). */
    public LayerNorm {
        if (normalizedShape.rank() < 1 || normalizedShape.numelLong() < 1) {
            throw new IllegalArgumentException("LayerNorm: normalized_shape must have rank >= 1 and positive dimensions, got "
                    + normalizedShape);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("LayerNorm: eps must be finite and >= 0, got " + eps);
        }
    }

    /** From the normalized shape's dimensions (the array is copied). */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        this(Shape.of(normalizedShape), eps, elementwiseAffine);
    }

    /** PyTorch defaults over the last dimension: eps 1e-5, affine. */
    public static LayerNorm of(int features) {
        return new LayerNorm(Shape.of(features), 1e-5, true);
    }

    /** A copy with another normalized shape (pruning). */
    public LayerNorm withNormalizedShape(Shape shape) {
        return new LayerNorm(shape, eps, elementwiseAffine);
    }

    @Override
    public String type() {
        return "LayerNorm";
    }

    /** {@code weight} and {@code bias} of the normalized shape when affine, else none. */
    @Override
    public List<ParamSpec> parameters() {
        if (!elementwiseAffine) {
            return List.of();
        }
        int[] d = normalizedShape.dims();
        return List.of(ParamSpec.param("weight", d), ParamSpec.param("bias", d));
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int k = normalizedShape.rank();
        boolean ok = in.rank() >= k;
        for (int i = 0; ok && i < k; i++) {
            ok = in.dim(in.rank() - k + i) == normalizedShape.dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException("LayerNorm expects an input (*, " + trailing() + ") ending in the normalized shape "
                    + normalizedShape + ", got " + in);
        }
        return new Shape[] {in};
    }

    private String trailing() {
        String s = normalizedShape.toString();
        return s.substring(1, s.length() - (normalizedShape.rank() == 1 ? 2 : 1));
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Tensor out = Tensor.zeros(x.shape());
        int d = normalizedShape.numel();
        int rows = x.numel() / d;
        float[] in = x.data();
        float[] o = out.data();
        float[] w = elementwiseAffine ? node.param("weight").data() : null;
        float[] b = elementwiseAffine ? node.param("bias").data() : null;
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        ElementwiseSupport.forItems(rows, d, row -> {
            int off = row * d;
            NormSupport.moments(in, off, d, eps, mean, rstd, row);
            double mu = mean[row];
            double rs = rstd[row];
            for (int j = 0; j < d; j++) {
                double y = (in[off + j] - mu) * rs;
                o[off + j] = (float) (w == null ? y : y * w[j] + b[j]);
            }
        });
        ctx.stash(new double[][] {mean, rstd});
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * With {@code x̂ = (x − mean)·rstd} per row (the statistics the forward stashed) and {@code g = dy·weight}:
     * {@code dx = rstd·(g − mean(g) − x̂·mean(g·x̂))}; {@code dweight += Σ dy·x̂} and {@code dbias += Σ dy} over rows.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        int d = normalizedShape.numel();
        NormSupport.Layout layout = new NormSupport.Layout(x.numel() / d, 1, d, 1);
        return NormSupport.backward(node, ctx, layout, elementwiseAffine, (double[][]) ctx.stash());
    }

    /** Torch-Pruning: {@code numel(input)}, doubled when affine. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        long n = inputs[0].numelLong();
        return elementwiseAffine ? 2 * n : n;
    }

    /**
     * Identity on every axis: input and output lose the same indices. Inside the normalized shape this changes the
     * statistics (the mean and variance are over fewer elements), as Torch-Pruning's {@code prune_layernorm} does.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /**
     * Torch-Pruning's {@code prune_layernorm_out_channels}: an axis inside the normalized shape slices
     * {@code weight} and {@code bias} there and shrinks the normalized shape; a leading (batch, token) axis changes
     * nothing.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Port out = Port.out(0);
        int axis = cut.axis(out);
        int lead = cut.before(out).rank() - normalizedShape.rank();
        if (axis < lead) {
            return this;
        }
        int local = axis - lead;
        int[] removed = cut.removed(out, axis).indices();
        NormSupport.sliceAffine(cut, elementwiseAffine, local, removed);
        return withNormalizedShape(normalizedShape.with(local, normalizedShape.dim(local) - removed.length));
    }

    /** The affine scale and shift along a normalised axis; none on a leading axis or without affine parameters. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        int lead = AxisSupport.shape(node, port).rank() - normalizedShape.rank();
        if (axis < lead || !elementwiseAffine) {
            return null;
        }
        return new ChannelParams(ChannelParams.Kind.LAYER_NORM, List.of(
                new ChannelParams.Slice("weight", axis - lead, 0, false), new ChannelParams.Slice("bias", axis - lead, 0, true)));
    }

    @Override
    public String describe() {
        return "LayerNorm(" + normalizedShape + ", eps=" + ModuleRepr.pyFloat(eps) + ", elementwise_affine="
                + ModuleRepr.pyBool(elementwiseAffine) + ")";
    }
}
