package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.NormSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code nn.BatchNorm2d} over {@code (N, C, H, W)} (also accepts {@code (N, C)} and {@code (N, C, L)} inputs, as
 * BatchNorm1d). Parameters {@code weight}, {@code bias} (when {@code affine}); buffers {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked}. Eval mode uses the running statistics, train mode the batch
 * statistics.
 */
public record BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine) implements Op {

    public BatchNorm2d {
        if (numFeatures < 1) {
            throw new IllegalArgumentException("BatchNorm2d: num_features must be positive, got " + numFeatures);
        }
    }

    /** PyTorch defaults: eps 1e-5, momentum 0.1, affine. */
    public static BatchNorm2d of(int numFeatures) {
        return new BatchNorm2d(numFeatures, 1e-5, 0.1, true);
    }

    /** A copy with another feature count (pruning). */
    public BatchNorm2d withFeatures(int n) {
        return new BatchNorm2d(n, eps, momentum, affine);
    }

    @Override
    public String type() {
        return "BatchNorm2d";
    }

    @Override
    public List<ParamSpec> parameters() {
        List<ParamSpec> p = new ArrayList<>(5);
        if (affine) {
            p.add(ParamSpec.param("weight", numFeatures));
            p.add(ParamSpec.param("bias", numFeatures));
        }
        p.add(ParamSpec.buffer("running_mean", numFeatures));
        p.add(ParamSpec.buffer("running_var", numFeatures));
        p.add(ParamSpec.intBuffer("num_batches_tracked"));
        return p;
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() < 2 || in.rank() > 4 || in.dim(1) != numFeatures) {
            throw new IllegalArgumentException("expected input (N, " + numFeatures + ", ...) of rank 2 to 4, got " + in);
        }
        return new Shape[] {in};
    }

    /** Per-channel statistics a forward used, kept for its backward. */
    private record Stats(float[] mean, float[] invStd) {
    }

    /**
     * Eval mode normalises with the running statistics. Train mode uses the batch statistics (biased variance) and
     * updates the running ones as PyTorch does: {@code running = (1 − momentum)·running + momentum·batch}, with the
     * unbiased batch variance, and {@code num_batches_tracked + 1}.
     */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape s = x.shape();
        int n = s.dim(0);
        int inner = s.product(2, s.rank());
        float[] in = x.data();
        float[] mean = new float[numFeatures];
        float[] invStd = new float[numFeatures];
        if (ctx.training()) {
            long count = (long) n * inner;
            if (count < 2) {
                throw new IllegalArgumentException("BatchNorm2d " + node.name() + " in train mode needs more than one value per channel, got input " + s);
            }
            float[] runMean = node.param("running_mean").data();
            float[] runVar = node.param("running_var").data();
            Parallel.forRange(numFeatures, c -> {
                double sum = 0;
                for (int b = 0; b < n; b++) {
                    sum += ctx.kernels().sum(in, (b * numFeatures + c) * inner, inner);
                }
                double mu = sum / count;
                double sq = 0;
                for (int b = 0; b < n; b++) {
                    int off = (b * numFeatures + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        double d = in[off + i] - mu;
                        sq += d * d;
                    }
                }
                double var = sq / count;
                mean[c] = (float) mu;
                invStd[c] = (float) (1.0 / Math.sqrt(var + eps));
                runMean[c] = (float) ((1 - momentum) * runMean[c] + momentum * mu);
                runVar[c] = (float) ((1 - momentum) * runVar[c] + momentum * sq / (count - 1));
            });
            float[] tracked = node.param("num_batches_tracked").data();
            tracked[0] += 1f;
        } else {
            float[] runMean = node.param("running_mean").data();
            float[] runVar = node.param("running_var").data();
            for (int c = 0; c < numFeatures; c++) {
                mean[c] = runMean[c];
                invStd[c] = (float) (1.0 / Math.sqrt(runVar[c] + eps));
            }
        }
        float[] gamma = affine ? node.param("weight").data() : null;
        float[] beta = affine ? node.param("bias").data() : null;
        Tensor out = Tensor.zeros(s);
        Kernels k = ctx.kernels();
        float[] o = out.data();
        Parallel.forRange(numFeatures, c -> {
            // As PyTorch's CPU kernel: alpha = gamma / sqrt(var + eps), beta' = beta - mean * alpha, in float.
            float alpha = affine ? gamma[c] * invStd[c] : invStd[c];
            float shift = (affine ? beta[c] : 0f) - mean[c] * alpha;
            for (int b = 0; b < n; b++) {
                int off = (b * numFeatures + c) * inner;
                k.scaleShift(in, off, alpha, shift, o, off, inner);
            }
        });
        ctx.stash(new Stats(mean, invStd));
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * With {@code x̂ = (x − mean)·invstd}: {@code dγ += Σ dy·x̂}, {@code dβ += Σ dy}; in train mode
     * {@code dx = γ·invstd/M · (M·dy − Σdy − x̂·Σ dy·x̂)} (the batch statistics depend on x), in eval mode
     * {@code dx = γ·invstd·dy}.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        Stats st = (Stats) ctx.stash();
        Shape s = x.shape();
        int n = s.dim(0);
        int inner = s.product(2, s.rank());
        long count = (long) n * inner;
        float[] in = x.data();
        float[] dy = ctx.gradOutput(0).data();
        float[] gamma = affine ? node.param("weight").data() : null;
        Tensor dgT = affine ? ctx.paramGrad("weight") : null;
        Tensor dbT = affine ? ctx.paramGrad("bias") : null;
        Tensor dxT = ctx.needsInputGrad(0) ? Tensor.zeros(s) : null;
        boolean train = ctx.mode() == Mode.TRAIN;
        Parallel.forRange(numFeatures, c -> {
            float mu = st.mean()[c];
            float is = st.invStd()[c];
            double sdy = 0;
            double sdyx = 0;
            for (int b = 0; b < n; b++) {
                int off = (b * numFeatures + c) * inner;
                for (int i = 0; i < inner; i++) {
                    float g = dy[off + i];
                    sdy += g;
                    sdyx += g * ((in[off + i] - mu) * is);
                }
            }
            if (dgT != null) {
                dgT.data()[c] += (float) sdyx;
            }
            if (dbT != null) {
                dbT.data()[c] += (float) sdy;
            }
            if (dxT != null) {
                float[] dx = dxT.data();
                float scale = (affine ? gamma[c] : 1f) * is;
                float mdy = (float) (sdy / count);
                float mdyx = (float) (sdyx / count);
                for (int b = 0; b < n; b++) {
                    int off = (b * numFeatures + c) * inner;
                    for (int i = 0; i < inner; i++) {
                        float g = dy[off + i];
                        if (train) {
                            float xh = (in[off + i] - mu) * is;
                            dx[off + i] = scale * (g - mdy - xh * mdyx);
                        } else {
                            dx[off + i] = scale * g;
                        }
                    }
                }
            }
        });
        return new Tensor[] {dxT};
    }

    /** Torch-Pruning: {@code numel(input)}, doubled when affine. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        long n = inputs[0].numelLong();
        return affine ? 2 * n : n;
    }

    @Override
    public int rootAxis(Node node) {
        return 1;
    }

    /** Identity on every axis: the channels of input and output are the same. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /** {@code prune_batchnorm_out_channels}: the affine parameters and running statistics lose the channels. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int[] removed = cut.removed(Port.out(0), 1).indices();
        if (removed.length == 0) {
            return this;
        }
        NormSupport.sliceAffine(cut, affine, 0, removed);
        cut.sliceParam("running_mean", 0, removed);
        cut.sliceParam("running_var", 0, removed);
        return new BatchNorm2d(numFeatures - removed.length, eps, momentum, affine);
    }

    /** The affine scale and shift (running statistics are buffers, not scored); none without {@code affine}. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != 1 || !affine) {
            return null;
        }
        return new ChannelParams(ChannelParams.Kind.BATCH_NORM, List.of(new ChannelParams.Slice("weight", 0, 0, false),
                new ChannelParams.Slice("bias", 0, 0, true)));
    }

    @Override
    public String describe() {
        return "BatchNorm2d(" + numFeatures + ", eps=" + ModuleRepr.pyFloat(eps) + ", momentum="
                + ModuleRepr.pyFloat(momentum) + ", affine=" + (affine ? "True" : "False") + ")";
    }
}
