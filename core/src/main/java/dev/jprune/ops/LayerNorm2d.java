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
 * torchvision's {@code LayerNorm2d} (ConvNeXt's stem, downsampling layers and classifier): a channels-first
 * LayerNorm on {@code (N, C, H, W)}, computed as torchvision does — permute to {@code (N, H, W, C)}, normalize each
 * row of {@code C} with its own mean and biased variance (in double), scale by {@code weight} and shift by
 * {@code bias} (both {@code (C,)}), permute back. Same in train and eval mode.
 *
 * <p>It is its own op rather than Permute + {@link LayerNorm} + Permute because Torch-Pruning counts it differently:
 * its counter hooks modules by exact type, and {@code LayerNorm2d}, a subclass of {@code nn.LayerNorm}, is not in its
 * table, so it counts 0 operations (an {@code nn.LayerNorm} counts {@code 2·numel}). Torch-Pruning prunes it as a
 * LayerNorm: its channel axis slices {@code weight} and {@code bias}.
 *
 * @param channels the channel count {@code C}
 * @param eps      added to the variance (torchvision's ConvNeXt uses 1e-6)
 */
public record LayerNorm2d(int channels, double eps) implements Op {

    private static final int[] TO_LAST = {0, 2, 3, 1};
    private static final int[] TO_FIRST = {0, 3, 1, 2};

    /** Validates the channel count (positive) and {@code eps} (finite, non-negative). */
    public LayerNorm2d {
        if (channels < 1) {
            throw new IllegalArgumentException("LayerNorm2d: the channel count must be positive, got " + channels);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("LayerNorm2d: eps must be finite and >= 0, got " + eps);
        }
    }

    @Override
    public String type() {
        return "LayerNorm2d";
    }

    /** {@code weight} and {@code bias}, both {@code (C,)}. */
    @Override
    public List<ParamSpec> parameters() {
        return List.of(ParamSpec.param("weight", channels), ParamSpec.param("bias", channels));
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() != 4 || in.dim(1) != channels) {
            throw new IllegalArgumentException("LayerNorm2d(" + channels + ") expects an input (N, " + channels
                    + ", H, W), got " + in);
        }
        return new Shape[] {in};
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = Permute.permute(inputs[0], TO_LAST);
        Tensor out = Tensor.zeros(x.shape());
        int rows = x.numel() / channels;
        float[] in = x.data();
        float[] o = out.data();
        float[] w = node.param("weight").data();
        float[] b = node.param("bias").data();
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        ElementwiseSupport.forItems(rows, channels, row -> {
            int off = row * channels;
            NormSupport.moments(in, off, channels, eps, mean, rstd, row);
            double mu = mean[row];
            double rs = rstd[row];
            for (int j = 0; j < channels; j++) {
                o[off + j] = (float) ((in[off + j] - mu) * rs * w[j] + b[j]);
            }
        });
        ctx.stash(new double[][] {mean, rstd});
        return new Tensor[] {Permute.permute(out, TO_FIRST)};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As {@link LayerNorm}'s backward on the channels-last input and gradient (permuted copies), the input gradient
     * permuted back: with {@code x̂ = (x − mean)·rstd} per position and {@code g = dy·weight},
     * {@code dx = rstd·(g − mean(g) − x̂·mean(g·x̂))}; {@code dweight += Σ dy·x̂}, {@code dbias += Σ dy}.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        double[][] stats = (double[][]) ctx.stash();
        float[] x = Permute.permute(ctx.input(0), TO_LAST).data();
        Tensor dyLast = Permute.permute(ctx.gradOutput(0), TO_LAST);
        float[] dy = dyLast.data();
        NormSupport.Layout layout = new NormSupport.Layout(x.length / channels, 1, channels, 1);
        Tensor dw = ctx.paramGrad("weight");
        Tensor db = ctx.paramGrad("bias");
        NormSupport.affineGrads(layout, x, dy, stats[0], stats[1], dw == null ? null : dw.data(),
                db == null ? null : db.data());
        if (!ctx.needsInputGrad(0)) {
            return new Tensor[] {null};
        }
        Tensor dx = Tensor.zeros(dyLast.shape());
        NormSupport.inputGrad(layout, x, dy, node.param("weight").data(), stats[0], stats[1], dx.data());
        return new Tensor[] {Permute.permute(dx, TO_FIRST)};
    }

    /**
     * 0: Torch-Pruning's counter matches module types exactly and has no entry for torchvision's
     * {@code LayerNorm2d} (only for {@code nn.LayerNorm} itself).
     */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return 0;
    }

    /**
     * Identity on every axis: input and output lose the same indices. On the channel axis this changes the
     * statistics (the mean and variance are over fewer channels), as Torch-Pruning's {@code prune_layernorm} does.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /** The channel axis slices {@code weight} and {@code bias}; the batch and spatial axes change nothing. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Port out = Port.out(0);
        if (cut.axis(out) != 1) {
            return this;
        }
        int[] removed = cut.removed(out, 1).indices();
        cut.sliceParam("weight", 0, removed);
        cut.sliceParam("bias", 0, removed);
        return new LayerNorm2d(channels - removed.length, eps);
    }

    /** The affine scale and shift along the channel axis; none elsewhere. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != 1) {
            return null;
        }
        return new ChannelParams(ChannelParams.Kind.LAYER_NORM, List.of(
                new ChannelParams.Slice("weight", 0, 0, false), new ChannelParams.Slice("bias", 0, 0, true)));
    }

    /** {@code LayerNorm2d((96,), eps=1e-06, elementwise_affine=True)}, as PyTorch prints it. */
    @Override
    public String describe() {
        return "LayerNorm2d((" + channels + ",), eps=" + ModuleRepr.pyFloat(eps) + ", elementwise_affine=True)";
    }
}
