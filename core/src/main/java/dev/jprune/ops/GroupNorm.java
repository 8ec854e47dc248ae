package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.NormSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * {@code nn.GroupNorm} over {@code (N, C, *)}, for example {@code (N, C, H, W)}: the {@code C} channels are split
 * into {@code numGroups} consecutive groups and each (sample, group) is normalized with its own mean and biased
 * variance (computed in double) over its {@code C/numGroups · H · W} elements, then scaled and shifted per channel
 * by {@code weight (C)} and {@code bias (C)} when {@code affine}. Same in train and eval mode.
 */
public record GroupNorm(int numGroups, int numChannels, double eps, boolean affine) implements Op {

    /** Validates the counts ({@code numGroups} must divide {@code numChannels}) and {@code eps}. */
    public GroupNorm {
        if (numGroups < 1 || numChannels < 1 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: num_channels " + numChannels
                    + " must be positive and divisible by num_groups " + numGroups);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("GroupNorm: eps must be finite and >= 0, got " + eps);
        }
    }

    /** PyTorch defaults: eps 1e-5, affine. */
    public static GroupNorm of(int numGroups, int numChannels) {
        return new GroupNorm(numGroups, numChannels, 1e-5, true);
    }

    /** A copy with another channel count and the same number of groups (pruning). */
    public GroupNorm withChannels(int channels) {
        return new GroupNorm(numGroups, channels, eps, affine);
    }

    @Override
    public String type() {
        return "GroupNorm";
    }

    /** {@code weight (C)} and {@code bias (C)} when affine, else none. */
    @Override
    public List<ParamSpec> parameters() {
        return affine ? List.of(ParamSpec.param("weight", numChannels), ParamSpec.param("bias", numChannels)) : List.of();
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() < 2 || in.dim(1) != numChannels) {
            throw new IllegalArgumentException("GroupNorm expects an input (N, " + numChannels + ", *) of rank >= 2, got " + in);
        }
        return new Shape[] {in};
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape s = x.shape();
        Tensor out = Tensor.zeros(s);
        int inner = s.product(2, s.rank());
        int perGroup = numChannels / numGroups;
        int groupSize = perGroup * inner;
        float[] in = x.data();
        float[] o = out.data();
        float[] w = affine ? node.param("weight").data() : null;
        float[] b = affine ? node.param("bias").data() : null;
        int groups = s.dim(0) * numGroups;
        double[] mean = new double[groups];
        double[] rstd = new double[groups];
        ElementwiseSupport.forItems(groups, groupSize, item -> {
            int off = item * groupSize;
            NormSupport.moments(in, off, groupSize, eps, mean, rstd, item);
            double mu = mean[item];
            double rs = rstd[item];
            int firstChannel = (item % numGroups) * perGroup;
            for (int ci = 0; ci < perGroup; ci++) {
                int c = firstChannel + ci;
                double scale = w == null ? rs : rs * w[c];
                double shift = (w == null ? 0 : b[c]) - mu * scale;
                int base = off + ci * inner;
                for (int j = 0; j < inner; j++) {
                    o[base + j] = (float) (in[base + j] * scale + shift);
                }
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
     * With {@code x̂ = (x − mean)·rstd} per (sample, group) (the statistics the forward stashed) and
     * {@code g = dy·weight[c]}: {@code dx = rstd·(g − mean(g) − x̂·mean(g·x̂))} over the group;
     * {@code dweight[c] += Σ dy·x̂} and {@code dbias[c] += Σ dy} over samples and spatial positions.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape s = ctx.input(0).shape();
        NormSupport.Layout layout = new NormSupport.Layout(s.dim(0), numGroups, numChannels / numGroups,
                s.product(2, s.rank()));
        return NormSupport.backward(node, ctx, layout, affine, (double[][]) ctx.stash());
    }

    /** Torch-Pruning: {@code numel(input)}, doubled when affine. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        long n = inputs[0].numelLong();
        return affine ? 2 * n : n;
    }

    @Override
    public String describe() {
        return "GroupNorm(" + numGroups + ", " + numChannels + ", eps=" + ModuleRepr.pyFloat(eps) + ", affine="
                + ModuleRepr.pyBool(affine) + ")";
    }
}
