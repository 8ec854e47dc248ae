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
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The fused input projection of PyTorch's {@code nn.MultiheadAttention} with its width tied to {@code embed_dim}
 * ({@link Attention.Width#TIED}): {@code (*, E) → (*, 3E)}, {@code y = x·Wᵀ + b} with parameters
 * {@code in_proj_weight (3E, E)} and {@code in_proj_bias (3E)}, rows {@code [0, E)} the queries, {@code [E, 2E)}
 * the keys and {@code [2E, 3E)} the values. The node is named after the attention module and stands for it (its
 * {@link #type()} is {@code MultiheadAttention}); the head split, the attention product and {@code out_proj} are
 * the ordinary ops {@link Attention#multiheadAttention} builds around it.
 *
 * <p>It computes exactly what a {@link Linear} with these parameters computes. What differs is the axis rule:
 * PyTorch's module requires queries, keys and values of width {@code embed_dim}, so the embedding position
 * {@code i} (input column {@code i}) and the projection rows {@code i}, {@code E + i} and {@code 2E + i} are one
 * channel, removed together, as Torch-Pruning's {@code prune_multihead_attention_out_channels} (which is also its
 * in-channel function) removes them. A pruned model therefore stays loadable into {@code nn.MultiheadAttention}.
 * The head count is an attribute, for the module's description; the heads themselves are laid out by the
 * reshapes that follow.
 *
 * @param embedDim E, the embedding width
 * @param numHeads the number of heads H, dividing E
 * @param bias     whether {@code in_proj_bias} is added
 */
public record MultiheadInProjection(int embedDim, int numHeads, boolean bias) implements Op {

    /** The weight's name in the module's {@code state_dict}. */
    public static final String WEIGHT = "in_proj_weight";
    /** The bias's name in the module's {@code state_dict}. */
    public static final String BIAS = "in_proj_bias";

    /** Validates that E and H are positive and H divides E. */
    public MultiheadInProjection {
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embed_dim " + embedDim
                    + " must be positive and divisible by num_heads " + numHeads);
        }
    }

    /** The Linear this projection computes as. */
    private Linear linear() {
        return new Linear(embedDim, 3 * embedDim, bias, WEIGHT, BIAS);
    }

    @Override
    public String type() {
        return "MultiheadAttention";
    }

    /** {@code in_proj_weight (3E, E)}, then {@code in_proj_bias (3E)} when present. */
    @Override
    public List<ParamSpec> parameters() {
        return linear().parameters();
    }

    /** {@code (*, E) → (*, 3E)}. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() < 1 || in.dim(-1) != embedDim) {
            throw new IllegalArgumentException("MultiheadAttention expects input (*, " + embedDim + "), got " + in);
        }
        return new Shape[] {in.with(-1, 3 * embedDim)};
    }

    /** As {@link Linear#forward}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return linear().forward(node, inputs, ctx);
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** As {@link Linear#backward}. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return linear().backward(node, ctx);
    }

    /** As the Linear it computes as: {@code numel(input)·3E}, plus {@code 3E} with a bias. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return linear().countOps(inputs, outputs);
    }

    /** {@code numel(input)·3E}. */
    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        return linear().macs(inputs, outputs);
    }

    /** The last axis of the output (the projection rows); a group rooted here is the embedding's group. */
    @Override
    public int rootAxis(Node node) {
        return node.output(0).shape().rank() - 1;
    }

    /**
     * Embedding column {@code i} goes with rows {@code i}, {@code E + i} and {@code 2E + i}; a row {@code r} takes
     * column {@code r mod E} (and through it the other two rows). Identity on the leading axes.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int last = AxisSupport.shape(node, from).rank() - 1;
        Port other = from.input() ? Port.out(0) : Port.in(0);
        if (axis != last) {
            links.link(other, axis, removed);
            return;
        }
        int e = node.input(0).shape().dim(-1);
        int otherLast = AxisSupport.shape(node, other).rank() - 1;
        if (from.input()) {
            links.link(other, otherLast, removed.flatMap(i -> new int[] {i, e + i, 2 * e + i}));
        } else {
            links.link(other, otherLast, removed.map(r -> r % e));
        }
    }

    /**
     * {@code prune_multihead_attention_out_channels}: the embedding positions removed on either side (rows
     * reduced modulo E) leave {@code in_proj_weight}'s columns, and their three rows leave the weight and the
     * bias. The head count drops by the number of whole heads removed when the positions are whole heads
     * ({@code [h·D, (h + 1)·D)}); otherwise every head must lose as many positions and the count stays. Throws
     * {@link IllegalStateException} naming the node when neither holds (PyTorch needs E divisible by H).
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int e = node.input(0).shape().dim(-1);
        Indices in = cut.removed(Port.in(0), node.input(0).shape().rank() - 1);
        Indices out = cut.removed(Port.out(0), node.output(0).shape().rank() - 1);
        Indices columns = in.union(out.map(r -> r % e));
        if (columns.isEmpty()) {
            return this;
        }
        int[] cols = columns.indices();
        int[] rows = new int[3 * cols.length];
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < cols.length; j++) {
                rows[k * cols.length + j] = k * e + cols[j];
            }
        }
        java.util.Arrays.sort(rows);
        int heads = headsAfter(node, cols);
        cut.sliceParam(WEIGHT, 1, cols);
        cut.sliceParam(WEIGHT, 0, rows);
        if (bias) {
            cut.sliceParam(BIAS, 0, rows);
        }
        return new MultiheadInProjection(e - cols.length, heads, bias);
    }

    /** The head count once {@code cols} (ascending) leave the embedding. */
    private int headsAfter(Node node, int[] cols) {
        int headDim = embedDim / numHeads;
        int[] perHead = new int[numHeads];
        for (int c : cols) {
            perHead[c / headDim]++;
        }
        int whole = 0;
        boolean onlyWhole = true;
        boolean even = true;
        for (int h = 0; h < numHeads; h++) {
            whole += perHead[h] == headDim ? 1 : 0;
            onlyWhole &= perHead[h] == 0 || perHead[h] == headDim;
            even &= perHead[h] == perHead[0];
        }
        if (onlyWhole && whole < numHeads) {
            return numHeads - whole;
        }
        if (even && perHead[0] < headDim) {
            return numHeads;
        }
        throw new IllegalStateException("MultiheadAttention at " + node.name() + ": removing " + cols.length
                + " of its " + embedDim + " embedding positions neither removes whole heads nor the same number from"
                + " each of its " + numHeads + " heads of " + headDim);
    }

    /**
     * Kind {@link ChannelParams.Kind#MULTIHEAD_ATTENTION}: on the output, the projection rows and the bias; on
     * the input, the weight columns. (As one member of a group the node is seen through its output rows.)
     */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != AxisSupport.shape(node, port).rank() - 1) {
            return null;
        }
        if (port.input()) {
            return new ChannelParams(ChannelParams.Kind.MULTIHEAD_ATTENTION,
                    List.of(new ChannelParams.Slice(WEIGHT, 1, 0, false)));
        }
        List<ChannelParams.Slice> s = new ArrayList<>(2);
        s.add(new ChannelParams.Slice(WEIGHT, 0, 0, false));
        if (bias) {
            s.add(new ChannelParams.Slice(BIAS, 0, 0, true));
        }
        return new ChannelParams(ChannelParams.Kind.MULTIHEAD_ATTENTION, s);
    }

    /** {@code MultiheadAttention(embed_dim=768, num_heads=12, bias=True)}: the module, as this node stands for it. */
    @Override
    public String describe() {
        return "MultiheadAttention(embed_dim=" + embedDim + ", num_heads=" + numHeads + ", bias="
                + ModuleRepr.pyBool(bias) + ")";
    }
}
