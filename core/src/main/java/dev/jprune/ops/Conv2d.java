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
import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code nn.Conv2d}: 2-D cross-correlation {@code (N, Cin, H, W) → (N, Cout, OH, OW)} with zero padding, stride,
 * dilation and groups. Parameters {@code weight (Cout, Cin/groups, KH, KW)} and, when {@code bias},
 * {@code bias (Cout)}.
 */
public record Conv2d(int inChannels, int outChannels, int kernelH, int kernelW, int strideH, int strideW,
                     int padH, int padW, int dilationH, int dilationW, int groups, boolean bias) implements Op {

    public Conv2d {
        if (inChannels < 1 || outChannels < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups " + groups + " must divide in_channels " + inChannels
                    + " and out_channels " + outChannels);
        }
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("Conv2d: kernel, stride and dilation must be positive and padding non-negative");
        }
    }

    /** A square convolution: kernel {@code k}, {@code stride}, {@code padding}, dilation 1. */
    public static Conv2d of(int in, int out, int k, int stride, int padding, int groups, boolean bias) {
        return new Conv2d(in, out, k, k, stride, stride, padding, padding, 1, 1, groups, bias);
    }

    /** A square convolution with one group. */
    public static Conv2d of(int in, int out, int k, int stride, int padding, boolean bias) {
        return of(in, out, k, stride, padding, 1, bias);
    }

    /** A copy with other channel counts and groups (pruning). */
    public Conv2d withChannels(int in, int out, int newGroups) {
        return new Conv2d(in, out, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, newGroups, bias);
    }

    @Override
    public String type() {
        return "Conv2d";
    }

    @Override
    public List<ParamSpec> parameters() {
        List<ParamSpec> p = new ArrayList<>(2);
        p.add(ParamSpec.param("weight", outChannels, inChannels / groups, kernelH, kernelW));
        if (bias) {
            p.add(ParamSpec.param("bias", outChannels));
        }
        return p;
    }

    private Conv2dSpec spec(Shape in) {
        return new Conv2dSpec(in.dim(0), inChannels, in.dim(2), in.dim(3), outChannels, kernelH, kernelW,
                strideH, strideW, padH, padW, dilationH, dilationW, groups);
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() != 4 || in.dim(1) != inChannels) {
            throw new IllegalArgumentException("expected input (N, " + inChannels + ", H, W), got " + in);
        }
        Conv2dSpec s = spec(in);
        return new Shape[] {Shape.of(in.dim(0), outChannels, s.outH(), s.outW())};
    }

    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Conv2dSpec s = spec(inputs[0].shape());
        Tensor out = Tensor.zeros(s.batch(), outChannels, s.outH(), s.outW());
        ctx.kernels().conv2d(s, inputs[0].data(), node.param("weight").data(),
                bias ? node.param("bias").data() : null, out.data());
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** Input gradient by transposed correlation; weight (and bias) gradients added to the parameters' grads. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        Tensor dy = ctx.gradOutput(0);
        Conv2dSpec s = spec(x.shape());
        Tensor dx = null;
        if (ctx.needsInputGrad(0)) {
            dx = Tensor.zeros(x.shape());
            ctx.kernels().conv2dBackwardInput(s, dy.data(), node.param("weight").data(), dx.data());
        }
        Tensor dw = ctx.paramGrad("weight");
        Tensor db = bias ? ctx.paramGrad("bias") : null;
        if (dw != null) {
            ctx.kernels().conv2dBackwardWeight(s, x.data(), dy.data(), dw.data(), db == null ? null : db.data());
        } else if (db != null) {
            // weight frozen, bias trained: the weight gradient goes to a scratch buffer
            ctx.kernels().conv2dBackwardWeight(s, x.data(), dy.data(), new float[node.param("weight").numel()], db.data());
        }
        return new Tensor[] {dx};
    }

    /** Torch-Pruning: {@code N·OH·OW·KH·KW·Cin·(Cout/groups)}, plus {@code Cout·N·OH·OW} with a bias. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        Shape o = outputs[0];
        long active = (long) o.dim(0) * o.dim(2) * o.dim(3);
        long ops = active * kernelH * kernelW * inChannels * (outChannels / groups);
        return bias ? ops + (long) outChannels * active : ops;
    }

    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        Shape o = outputs[0];
        return (long) o.dim(0) * o.dim(2) * o.dim(3) * kernelH * kernelW * (inChannels / groups) * outChannels;
    }

    /** Whether every output channel reads exactly one input channel ({@code groups == in == out > 1}'s family). */
    public boolean isDepthwise() {
        return groups == inChannels && groups == outChannels && outChannels > 1;
    }

    /** The channel axis. */
    @Override
    public int rootAxis(Node node) {
        return 1;
    }

    /**
     * In- and out-channels are separate members, except when each group reads one input channel (a depthwise
     * convolution, or one with a depth multiplier), where they are the same.
     */
    @Override
    public boolean separatesInAndOut() {
        return !wholeGroups();
    }

    /**
     * Whether channels can only leave with their whole group, inputs and outputs together: each group reads one
     * input channel ({@code groups == in_channels > 1}). Removing such an input empties its group, so the group's
     * outputs go with it; without this coupling the layer feeding the convolution could not be pruned at all.
     *
     * <p>One output per group with several inputs ({@code groups == out_channels < in_channels}) does not couple:
     * an input position can still leave every group, so the inputs stay a separate member. This is also what a
     * grouped convolution becomes when pruning leaves one output per group (RegNet's {@code f.b} in a global step),
     * and keeping its inputs separate means a group rebuilt later in the step has the members it was scored with.
     * Torch-Pruning's dependency graph keeps each layer's kind from the trace
     * ({@code torch_pruning/dependency/graph.py} {@code _build_dependency}), so there too the layer feeding it
     * still loses the positions chosen for it. Its outputs then cannot be removed (a removal takes the only
     * position of every group, so every output, and the group is refused); Torch-Pruning does not remove them
     * either.
     */
    private boolean wholeGroups() {
        return groups > 1 && inChannels == groups;
    }

    /**
     * Channels only (weight axis 0 and bias for outputs, weight axis 1 for inputs). One group: a barrier. Grouped
     * with one input per group (depthwise, depth multiplier): a channel takes its whole group, inputs and outputs,
     * and the group count drops. Other grouped convolutions (one output per group too): in- and out-channels are
     * not coupled, and a channel takes the same position in every group with it, so that every group keeps the
     * same size.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "only channels can be pruned", 1);
        if (groups == 1) {
            return;
        }
        int ci = inChannels / groups;
        int co = outChannels / groups;
        if (wholeGroups()) {
            Indices whole = removed.map(i -> i / (from.input() ? ci : co));
            links.link(Port.in(0), 1, whole.flatMap(g -> block(g, ci)));
            links.link(Port.out(0), 1, whole.flatMap(g -> block(g, co)));
        } else {
            int per = from.input() ? ci : co;
            links.link(from, 1, removed.flatMap(i -> {
                int[] same = new int[groups];
                for (int g = 0; g < groups; g++) {
                    same[g] = g * per + i % per;
                }
                return same;
            }));
        }
    }

    private static int[] block(int g, int size) {
        int[] r = new int[size];
        for (int k = 0; k < size; k++) {
            r[k] = g * size + k;
        }
        return r;
    }

    /**
     * {@code prune_conv_out_channels} / {@code prune_conv_in_channels} / {@code prune_depthwise_conv_*}: weight rows
     * and bias for removed outputs, the removed in-group positions of the weight's axis 1 for removed inputs, and
     * fewer groups when whole groups go.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Indices out = cut.removed(Port.out(0), 1);
        Indices in = cut.removed(Port.in(0), 1);
        if (out.isEmpty() && in.isEmpty()) {
            return this;
        }
        if (!out.isEmpty()) {
            cut.sliceParam("weight", 0, out.indices());
            if (bias) {
                cut.sliceParam("bias", 0, out.indices());
            }
        }
        int newGroups = groups;
        if (wholeGroups()) {
            int ci = inChannels / groups;
            int co = outChannels / groups;
            if (in.size() % ci != 0 || out.size() % co != 0 || in.size() / ci != out.size() / co) {
                throw new IllegalStateException("Conv2d at " + node.name() + " must lose whole groups: " + in.size()
                        + " inputs and " + out.size() + " outputs removed");
            }
            newGroups = groups - in.size() / ci;
        } else if (!in.isEmpty()) {
            int ci = inChannels / groups;
            Indices positions = in.map(i -> i % ci);
            if (positions.size() * groups != in.size()) {
                throw new IllegalStateException("Conv2d at " + node.name() + " must lose the same in-channel positions in"
                        + " each of its " + groups + " groups, got " + in);
            }
            cut.sliceParam("weight", 1, positions.indices());
        }
        return withChannels(inChannels - in.size(), outChannels - out.size(), newGroups);
    }

    /**
     * Out-channels: weight rows (axis 0) and bias. In-channels: weight axis 1, repeating every {@code in/groups} in
     * a grouped convolution. A convolution with one input per group (depthwise) has its weight rows as channels
     * whichever side is asked, of kind {@link ChannelParams.Kind#DEPTHWISE_CONV} and in one channel group.
     */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != 1) {
            return null;
        }
        if (wholeGroups() || !port.input()) {
            List<ChannelParams.Slice> s = new ArrayList<>(2);
            s.add(new ChannelParams.Slice("weight", 0, 0, false));
            if (bias) {
                s.add(new ChannelParams.Slice("bias", 0, 0, true));
            }
            return new ChannelParams(wholeGroups() ? ChannelParams.Kind.DEPTHWISE_CONV : ChannelParams.Kind.CONV,
                    wholeGroups() ? 1 : groups, s);
        }
        int period = groups > 1 ? inChannels / groups : 0;
        return new ChannelParams(ChannelParams.Kind.CONV, groups,
                List.of(new ChannelParams.Slice("weight", 1, period, false)));
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("Conv2d(").append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelH).append(", ").append(kernelW).append(")")
                .append(", stride=(").append(strideH).append(", ").append(strideW).append(")");
        if (padH != 0 || padW != 0) {
            sb.append(", padding=(").append(padH).append(", ").append(padW).append(")");
        }
        if (dilationH != 1 || dilationW != 1) {
            sb.append(", dilation=(").append(dilationH).append(", ").append(dilationW).append(")");
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (!bias) {
            sb.append(", bias=False");
        }
        return sb.append(')').toString();
    }
}
