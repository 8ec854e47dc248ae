package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code nn.BatchNorm2d} over {@code (N, C, H, W)} (also accepts {@code (N, C)} and {@code (N, C, L)} inputs, as
 * BatchNorm1d). Parameters {@code weight}, {@code bias} (when {@code affine}); buffers {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked}. Eval mode uses the running statistics. Train mode (batch
 * statistics) arrives with the training engine.
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

    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        if (ctx.training()) {
            throw new UnsupportedOperationException("BatchNorm2d train mode is not implemented yet (node " + node.name() + ")");
        }
        Tensor x = inputs[0];
        Shape s = x.shape();
        int n = s.dim(0);
        int inner = s.product(2, s.rank());
        float[] mean = node.param("running_mean").data();
        float[] var = node.param("running_var").data();
        float[] gamma = affine ? node.param("weight").data() : null;
        float[] beta = affine ? node.param("bias").data() : null;
        Tensor out = Tensor.zeros(s);
        Kernels k = ctx.kernels();
        float[] in = x.data();
        float[] o = out.data();
        for (int c = 0; c < numFeatures; c++) {
            // As PyTorch's CPU kernel: alpha = gamma / sqrt(var + eps), beta' = beta - mean * alpha, in float.
            float invStd = (float) (1.0 / Math.sqrt(var[c] + eps));
            float alpha = affine ? gamma[c] * invStd : invStd;
            float shift = (affine ? beta[c] : 0f) - mean[c] * alpha;
            for (int b = 0; b < n; b++) {
                int off = (b * numFeatures + c) * inner;
                k.scaleShift(in, off, alpha, shift, o, off, inner);
            }
        }
        return new Tensor[] {out};
    }

    /** Torch-Pruning: {@code numel(input)}, doubled when affine. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        long n = inputs[0].numelLong();
        return affine ? 2 * n : n;
    }

    @Override
    public String describe() {
        return "BatchNorm2d(" + numFeatures + ", eps=" + ModuleRepr.pyFloat(eps) + ", momentum="
                + ModuleRepr.pyFloat(momentum) + ", affine=" + (affine ? "True" : "False") + ")";
    }
}
