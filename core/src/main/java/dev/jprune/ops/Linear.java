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
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code nn.Linear}: {@code y = x·Wᵀ + b} on the last dimension, {@code (*, in) → (*, out)}. Parameters
 * {@code weight (out, in)} and, when {@code bias}, {@code bias (out)}.
 *
 * <p>The parameter names are attributes so that {@code nn.MultiheadAttention}'s fused input projection can be a
 * Linear node whose tensors are {@code in_proj_weight} and {@code in_proj_bias}, as in torchvision's
 * {@code state_dict} (see {@link Attention#multiheadAttention}); everywhere else they are {@code weight} and
 * {@code bias} ({@link #of}).
 *
 * @param inFeatures  size of the input's last dimension
 * @param outFeatures size of the output's last dimension
 * @param bias        whether a bias is added
 * @param weightName  local name of the weight parameter ({@code weight})
 * @param biasName    local name of the bias parameter ({@code bias}); kept even when {@code bias} is false
 */
public record Linear(int inFeatures, int outFeatures, boolean bias, String weightName, String biasName) implements Op {

    /** Validates the feature counts and the parameter names. */
    public Linear {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got "
                    + inFeatures + " and " + outFeatures);
        }
        if (weightName.isEmpty() || weightName.contains(".") || biasName.isEmpty() || biasName.contains(".")
                || weightName.equals(biasName)) {
            throw new IllegalArgumentException("Linear: parameter names must be distinct, non-empty and without dots, got '"
                    + weightName + "' and '" + biasName + "'");
        }
    }

    /** {@code nn.Linear(in, out, bias)} with parameters {@code weight} and {@code bias}. */
    public static Linear of(int in, int out, boolean bias) {
        return new Linear(in, out, bias, "weight", "bias");
    }

    /** A copy with other feature counts and the same parameter names (pruning). */
    public Linear withFeatures(int in, int out) {
        return new Linear(in, out, bias, weightName, biasName);
    }

    @Override
    public String type() {
        return "Linear";
    }

    /** {@code weight (out, in)}, then {@code bias (out)} when present. */
    @Override
    public List<ParamSpec> parameters() {
        List<ParamSpec> p = new ArrayList<>(2);
        p.add(ParamSpec.param(weightName, outFeatures, inFeatures));
        if (bias) {
            p.add(ParamSpec.param(biasName, outFeatures));
        }
        return p;
    }

    /** {@code (*, in) → (*, out)}; the input has at least one dimension. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() < 1 || in.dim(-1) != inFeatures) {
            throw new IllegalArgumentException("Linear expects input (*, " + inFeatures + "), got " + in);
        }
        return new Shape[] {in.with(-1, outFeatures)};
    }

    /** One GEMM over all leading dimensions flattened into rows, then the bias added to every row. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        int rows = x.numel() / inFeatures;
        Tensor out = Tensor.zeros(x.shape().with(-1, outFeatures));
        Kernels k = ctx.kernels();
        float[] y = out.data();
        k.gemm(false, true, rows, outFeatures, inFeatures, x.data(), 0, inFeatures,
                node.param(weightName).data(), 0, inFeatures, 0f, y, 0, outFeatures);
        if (bias) {
            float[] b = node.param(biasName).data();
            for (int r = 0; r < rows; r++) {
                k.add(y, r * outFeatures, b, 0, y, r * outFeatures, outFeatures);
            }
        }
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * With the leading dimensions flattened into {@code R} rows: {@code dx = dy·W} {@code (R, in)}, and into the
     * parameter gradients {@code dW += dyᵀ·x} {@code (out, in)} and {@code db += 1ᵀ·dy} {@code (out)} — three GEMMs,
     * the last two accumulating (beta 1).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        float[] dy = ctx.gradOutput(0).data();
        int rows = x.numel() / inFeatures;
        Kernels k = ctx.kernels();
        Tensor dx = null;
        if (ctx.needsInputGrad(0)) {
            dx = Tensor.zeros(x.shape());
            k.gemm(false, false, rows, inFeatures, outFeatures, dy, 0, outFeatures,
                    node.param(weightName).data(), 0, inFeatures, 0f, dx.data(), 0, inFeatures);
        }
        if (rows == 0) {
            return new Tensor[] {dx};
        }
        Tensor dw = ctx.paramGrad(weightName);
        if (dw != null) {
            k.gemm(true, false, outFeatures, inFeatures, rows, dy, 0, outFeatures, x.data(), 0, inFeatures,
                    1f, dw.data(), 0, inFeatures);
        }
        Tensor db = bias ? ctx.paramGrad(biasName) : null;
        if (db != null) {
            float[] ones = new float[rows];
            Arrays.fill(ones, 1f);
            k.gemm(false, false, 1, outFeatures, rows, ones, 0, rows, dy, 0, outFeatures, 1f, db.data(), 0, outFeatures);
        }
        return new Tensor[] {dx};
    }

    /**
     * Torch-Pruning: {@code numel(input)·out}, plus {@code out} with a bias — the bias is counted once, not per row
     * or per example, exactly as the reference does.
     */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        long ops = inputs[0].numelLong() * outFeatures;
        return bias ? ops + outFeatures : ops;
    }

    /** {@code numel(input)·out}. */
    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong() * outFeatures;
    }

    /**
     * {@code Linear(in_features=8, out_features=3, bias=True)}; non-default parameter names are appended
     * ({@code weight=in_proj_weight, bias_name=in_proj_bias}), which PyTorch's repr has no counterpart for.
     */
    /** The last axis of the output: {@code out_features}. */
    @Override
    public int rootAxis(Node node) {
        return node.output(0).shape().rank() - 1;
    }

    @Override
    public boolean separatesInAndOut() {
        return true;
    }

    /**
     * A barrier on the feature axis (in-features are weight columns, out-features weight rows and bias; the two are
     * not coupled); identity on the leading axes.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int last = AxisSupport.shape(node, from).rank() - 1;
        if (axis != last) {
            links.link(from.input() ? Port.out(0) : Port.in(0), axis, removed);
        }
    }

    /** {@code prune_linear_out_channels} and {@code prune_linear_in_channels}. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int[] out = cut.removed(Port.out(0), node.output(0).shape().rank() - 1).indices();
        int[] in = cut.removed(Port.in(0), node.input(0).shape().rank() - 1).indices();
        if (out.length > 0) {
            cut.sliceParam(weightName, 0, out);
            if (bias) {
                cut.sliceParam(biasName, 0, out);
            }
        }
        if (in.length > 0) {
            cut.sliceParam(weightName, 1, in);
        }
        return out.length == 0 && in.length == 0 ? this : withFeatures(inFeatures - in.length, outFeatures - out.length);
    }

    /** Out-features: weight rows and bias. In-features: weight columns. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != AxisSupport.shape(node, port).rank() - 1) {
            return null;
        }
        if (port.input()) {
            return new ChannelParams(ChannelParams.Kind.LINEAR, List.of(new ChannelParams.Slice(weightName, 1, 0, false)));
        }
        List<ChannelParams.Slice> s = new ArrayList<>(2);
        s.add(new ChannelParams.Slice(weightName, 0, 0, false));
        if (bias) {
            s.add(new ChannelParams.Slice(biasName, 0, 0, true));
        }
        return new ChannelParams(ChannelParams.Kind.LINEAR, s);
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("Linear(in_features=").append(inFeatures)
                .append(", out_features=").append(outFeatures).append(", bias=").append(ModuleRepr.pyBool(bias));
        if (!weightName.equals("weight") || !biasName.equals("bias")) {
            sb.append(", weight=").append(weightName).append(", bias_name=").append(biasName);
        }
        return sb.append(')').toString();
    }
}
