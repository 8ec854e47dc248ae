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

    /** The channel axis. */
    @Override
    public int rootAxis(Node node) {
        return 1;
    }

    /**
     * Identity on every axis between input and output. On the channel axis, channel {@code c} is position
     * {@code c % (C/G)} of group {@code c / (C/G)}: to keep {@code num_groups} with equal groups, a removal widens to
     * the same position in every group. With one channel per group a channel is its whole group: it goes alone and
     * {@code num_groups} drops instead.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        if (axis != 1 || numGroups == numChannels) {
            links.link(Port.in(0), axis, removed);
            links.link(Port.out(0), axis, removed);
            return;
        }
        int per = numChannels / numGroups;
        Indices widened = removed.flatMap(c -> {
            int[] same = new int[numGroups];
            for (int g = 0; g < numGroups; g++) {
                same[g] = g * per + c % per;
            }
            return same;
        });
        links.link(Port.in(0), 1, widened);
        links.link(Port.out(0), 1, widened);
    }

    /**
     * Torch-Pruning's {@code prune_groupnorm_out_channels}: {@code weight} and {@code bias} lose the channels; the
     * group count is kept (the same positions left every group) or, with one channel per group, drops by the
     * number removed. Other axes change nothing.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Indices removed = cut.removed(Port.out(0), 1);
        if (removed.isEmpty()) {
            return this;
        }
        int r = removed.size();
        NormSupport.sliceAffine(cut, affine, 0, removed.indices());
        if (numGroups == numChannels) {
            return new GroupNorm(numGroups - r, numChannels - r, eps, affine);
        }
        int per = numChannels / numGroups;
        if (removed.map(c -> c % per).size() * numGroups != r) {
            throw new IllegalStateException("GroupNorm at " + node.name() + " must lose the same positions in each of its "
                    + numGroups + " groups, got " + removed);
        }
        return withChannels(numChannels - r);
    }

    /** The affine scale and shift; none without {@code affine}. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != 1 || !affine) {
            return null;
        }
        return new ChannelParams(ChannelParams.Kind.GROUP_NORM, numGroups, List.of(new ChannelParams.Slice("weight", 0, 0, false),
                new ChannelParams.Slice("bias", 0, 0, true)));
    }

    @Override
    public String describe() {
        return "GroupNorm(" + numGroups + ", " + numChannels + ", eps=" + ModuleRepr.pyFloat(eps) + ", affine="
                + ModuleRepr.pyBool(affine) + ")";
    }
}
